import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import type { Context } from '../../context.ts';
import { LAWFUL_BASES } from '../../registry/dataset/dataset-governance.ts';
import type {
  DatasetColumn,
  DatasetGovernance,
  ErasureRequest,
} from '../../registry/governance/governance.ts';
import {
  datasetGovernanceOf,
  erasureRequestsOf,
} from '../../registry/governance/governance-read.service.ts';
import { builder } from '../builder.ts';
import { DatasetRef, UserRef } from './refs.ts';

const BASIS_DESCRIPTIONS: Record<(typeof LAWFUL_BASES)[number], string> = {
  CONSENT: 'GDPR Art. 6(1)(a): the data subject consented.',
  CONTRACT: 'GDPR Art. 6(1)(b): needed for a contract with the data subject.',
  LEGAL_OBLIGATION: 'GDPR Art. 6(1)(c): needed to comply with a legal obligation.',
  VITAL_INTERESTS: 'GDPR Art. 6(1)(d): needed to protect someone’s vital interests.',
  PUBLIC_TASK: 'GDPR Art. 6(1)(e): needed for a task in the public interest.',
  LEGITIMATE_INTERESTS:
    'GDPR Art. 6(1)(f): legitimate interests, balanced against the data subject’s.',
};

export const LawfulBasisEnum = builder.enumType('LawfulBasis', {
  description: 'The GDPR Art. 6 lawful basis for processing personal data.',
  values: Object.fromEntries(
    LAWFUL_BASES.map((basis) => [basis, { value: basis, description: BASIS_DESCRIPTIONS[basis] }]),
  ) as Record<
    (typeof LAWFUL_BASES)[number],
    { value: (typeof LAWFUL_BASES)[number]; description: string }
  >,
});

const DatasetColumnInput = builder.inputType('DatasetColumnInput', {
  description: 'A column of a dataset, scanned for personal data.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'The column name.' }),
    sampleValues: t.stringList({ description: 'Up to 20 example values.' }),
  }),
});

export const DatasetGovernanceInput = builder.inputType('DatasetGovernanceInput', {
  description: 'A dataset’s GDPR declarations.',
  fields: (t) => ({
    containsPersonalData: t.boolean({
      required: true,
      description: 'Whether it holds personal data (GDPR Art. 4(1)).',
    }),
    lawfulBasis: t.field({
      type: LawfulBasisEnum,
      description: 'The lawful basis; required in effect when it holds personal data.',
    }),
    retentionDays: t.int({
      description: 'How long it is kept, in days (1-36,500); required in effect for personal data.',
    }),
    columns: t.field({
      type: [DatasetColumnInput],
      description:
        'Its columns with sample values (up to 500), scanned for undeclared personal data.',
    }),
  }),
});

const DatasetColumnRef = builder.objectRef<DatasetColumn>('DatasetColumn').implement({
  description: 'A declared column.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'The column name.' }),
    sampleValues: t.exposeStringList('sampleValues', {
      description: 'Example values as declared.',
    }),
  }),
});

export const DatasetGovernanceRef = builder
  .objectRef<DatasetGovernance>('DatasetGovernance')
  .implement({
    description: 'A dataset’s GDPR declarations.',
    fields: (t) => ({
      containsPersonalData: t.exposeBoolean('containsPersonalData', {
        description: 'Whether it holds personal data.',
      }),
      lawfulBasis: t.field({
        type: LawfulBasisEnum,
        nullable: true,
        description: 'The lawful basis, if declared.',
        resolve: (g) => g.lawfulBasis,
      }),
      retentionDays: t.exposeInt('retentionDays', {
        nullable: true,
        description: 'Retention in days, if declared.',
      }),
      columns: t.field({
        type: [DatasetColumnRef],
        description: 'Declared columns.',
        resolve: (g) => g.columns,
      }),
      declaredAt: t.field({
        type: 'DateTime',
        description: 'When declared.',
        resolve: (g) => g.declaredAt,
      }),
      declaredBy: t.field({
        type: UserRef,
        nullable: true,
        description: 'Who declared.',
        resolve: (g) => g.declaredById,
      }),
    }),
  });

export const ErasureRequestRef = builder.objectRef<ErasureRequest>('ErasureRequest').implement({
  description: 'A right-to-be-forgotten request (GDPR Art. 17) against a dataset.',
  fields: (t) => ({
    dataset: t.field({
      type: DatasetRef,
      description: 'The dataset to erase.',
      resolve: (r) => r.datasetId,
    }),
    reason: t.exposeString('reason', { nullable: true, description: 'Why, as given.' }),
    requestedBy: t.field({
      type: UserRef,
      nullable: true,
      description: 'Who filed it.',
      resolve: (r) => r.requestedById,
    }),
    requestedAt: t.field({
      type: 'DateTime',
      description: 'When it was filed.',
      resolve: (r) => r.createdAt,
    }),
  }),
});

const governanceCache = createContextCache(
  (context: Context) =>
    new DataLoader<string, DatasetGovernance | null>((ids) =>
      datasetGovernanceOf(context.deps, context.viewer, ids),
    ),
);

const erasureCache = createContextCache(
  (context: Context) =>
    new DataLoader<string, ErasureRequest | null>((ids) =>
      erasureRequestsOf(context.deps, context.viewer, ids),
    ),
);

builder.objectFields(DatasetRef, (t) => ({
  governance: t.field({
    type: DatasetGovernanceRef,
    nullable: true,
    description: 'Its GDPR declarations; null when it declared none (the GDPR check then fails).',
    resolve: (dataset, _args, context) => governanceCache(context).load(dataset.id),
  }),
  erasureRequest: t.field({
    type: ErasureRequestRef,
    nullable: true,
    description: 'The erasure request against it, if any.',
    resolve: (dataset, _args, context) => erasureCache(context).load(dataset.id),
  }),
}));
