/**
 * Expected failures of the registry, returned to clients as data. Each carries the path of the field
 * it is about, relative to the input of the service that threw it (for example ['metadata'] or
 * ['tags', '3']), empty when it is about the input as a whole. Each API spells the path its own way
 * (GraphQL under its `input` argument, REST in the request's body, query or path); the GraphQL layer
 * maps each class to an object type implementing `Error`.
 */
export class RegistryError extends Error {
  readonly path: readonly string[];

  constructor(message: string, path: readonly string[] = []) {
    super(message);
    this.name = new.target.name;
    this.path = path;
  }
}

/**
 * The same error about another path: how an API re-spells a service's path for its clients. A copy,
 * so that the error the service threw (which a caller may still hold) keeps its own path.
 */
export function atPath<E extends RegistryError>(error: E, path: readonly string[]): E {
  const moved: E = Object.create(Object.getPrototypeOf(error));
  Object.defineProperties(moved, Object.getOwnPropertyDescriptors(error));
  Object.defineProperty(moved, 'path', { value: path, enumerable: true });
  return moved;
}

/** The input is malformed or out of range. */
export class ValidationError extends RegistryError {}

/** A referenced node does not exist, belongs to another organization, or is of the wrong kind. */
export class NotFoundError extends RegistryError {
  readonly resourceId: string | null;
  /**
   * The kind the id was looked up as, when `resourceId` is a row id: the GraphQL layer turns the
   * pair back into the global ID the client sent. Null when `resourceId` is already as sent.
   */
  readonly resourceKind: string | null;

  constructor(
    message: string,
    path: readonly string[] = [],
    resourceId: string | null = null,
    resourceKind: string | null = null,
  ) {
    super(message, path);
    this.resourceId = resourceId;
    this.resourceKind = resourceKind;
  }
}

/** The change collides with existing state (a duplicate name or version, an existing edge). */
export class ConflictError extends RegistryError {}

/**
 * A conflict on a name or key that must be unique (a model name, a version, an email): the
 * thing already exists. APIs that tell this apart from other conflicts (MLflow's
 * RESOURCE_ALREADY_EXISTS against INVALID_STATE) test for this class; everywhere else it is a
 * ConflictError like any other.
 */
export class AlreadyExistsError extends ConflictError {}

/** The edge type may not join these two kinds of node. */
export class EdgeNotAllowedError extends RegistryError {
  readonly edgeType: string;
  readonly fromKind: string;
  readonly toKind: string;

  constructor(edgeType: string, fromKind: string, toKind: string, path: readonly string[]) {
    super(`An edge of type ${edgeType} may not go from a ${fromKind} to a ${toKind}`, path);
    this.edgeType = edgeType;
    this.fromKind = fromKind;
    this.toKind = toKind;
  }
}

/** Adding the edge would close a cycle in an edge type that must stay acyclic. */
export class LineageCycleError extends RegistryError {
  readonly edgeType: string;
  /** The kind of every node on the cycle (acyclic edge types join nodes of one kind). */
  readonly nodeKind: string;
  /** Ids of the nodes on the existing path from the edge's target back to its source. */
  readonly cycle: readonly string[];

  constructor(
    edgeType: string,
    nodeKind: string,
    cycle: readonly string[],
    path: readonly string[],
  ) {
    super(
      `Adding this ${edgeType} edge would close a cycle through ${cycle.length} node(s); ${edgeType} must stay acyclic`,
      path,
    );
    this.edgeType = edgeType;
    this.nodeKind = nodeKind;
    this.cycle = cycle;
  }
}

/** The caller's role does not allow the action. */
export class ForbiddenError extends RegistryError {}
