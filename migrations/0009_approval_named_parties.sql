-- Who a client says requested and reviewed an approval, as its own words ("eng-team",
-- "compliance-team"): the seed's REST bodies send `requested_by` and `reviewed_by` as free text.
-- They are recorded beside, never instead of, the users whose tokens acted (requested_by and
-- reviewed_by, which the audit trail and the separation of duties go by).
ALTER TABLE approval ADD COLUMN requested_by_name TEXT
  CHECK (requested_by_name IS NULL OR length(requested_by_name) BETWEEN 1 AND 200);
ALTER TABLE approval ADD COLUMN reviewed_by_name TEXT
  CHECK (reviewed_by_name IS NULL OR length(reviewed_by_name) BETWEEN 1 AND 200);
