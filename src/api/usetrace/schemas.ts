/** Request schemas of the build-system routes (validation and the OpenAPI document). */
import Type from 'typebox';
import type { Static } from 'typebox';
import { TraceFields } from '../../domain/steps.ts';

const Flag = (description: string) => Type.Union([Type.Literal(0), Type.Literal(1)], { description });
const Score = (description: string) => Type.Integer({ minimum: 0, maximum: 100, description });
const Pixels = (description: string) => Type.Integer({ minimum: 100, maximum: 10_000, description });

const ProjectFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.String({ maxLength: 5000, description: 'Default "".' }),
  defaultItem: Flag('1 makes this the default project (the previous default loses the flag).'),
  apiDefaultCertainty: Score('Default 0.'),
  apiDefaultLevel: Type.Union([Type.Literal('A'), Type.Literal('AA'), Type.Literal('AAA')], {
    description: 'Default "AAA".',
  }),
  apiDefaultPriority: Score('Default 0.'),
  apiDefaultStore: Flag('Default 1.'),
  apiDefaultUAString: Type.String({
    maxLength: 1000,
    description: "Default: the seed's Chrome 40 user agent.",
  }),
  apiDefaultViewportHeight: Pixels('Default 768; also the viewport builds of this project run in.'),
  apiDefaultViewportWidth: Pixels('Default 1024; also the viewport builds of this project run in.'),
  baseUrl: Type.Union([Type.String({ minLength: 1, maxLength: 2048 }), Type.Null()], {
    description: 'Where builds run when the request names no baseUrl.',
  }),
};

export const ProjectCreateBody = Type.Object(
  {
    name: ProjectFields.name,
    description: Type.Optional(ProjectFields.description),
    defaultItem: Type.Optional(ProjectFields.defaultItem),
    apiDefaultCertainty: Type.Optional(ProjectFields.apiDefaultCertainty),
    apiDefaultLevel: Type.Optional(ProjectFields.apiDefaultLevel),
    apiDefaultPriority: Type.Optional(ProjectFields.apiDefaultPriority),
    apiDefaultStore: Type.Optional(ProjectFields.apiDefaultStore),
    apiDefaultUAString: Type.Optional(ProjectFields.apiDefaultUAString),
    apiDefaultViewportHeight: Type.Optional(ProjectFields.apiDefaultViewportHeight),
    apiDefaultViewportWidth: Type.Optional(ProjectFields.apiDefaultViewportWidth),
    baseUrl: Type.Optional(ProjectFields.baseUrl),
  },
  { additionalProperties: false },
);
export type ProjectCreateBody = Static<typeof ProjectCreateBody>;

export const ProjectPatchBody = Type.Object(Type.Partial(ProjectCreateBody).properties, {
  additionalProperties: false,
  minProperties: 1,
});
export type ProjectPatchBody = Static<typeof ProjectPatchBody>;

export const SiteCreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    projectID: Type.String({
      minLength: 1,
      maxLength: 100,
      description: 'The project the monitor belongs to.',
    }),
    siteUrl: Type.String({ minLength: 1, maxLength: 2048, description: 'Absolute http(s) URL.' }),
  },
  { additionalProperties: false },
);
export type SiteCreateBody = Static<typeof SiteCreateBody>;

export const SitePatchBody = Type.Object(Type.Partial(SiteCreateBody).properties, {
  additionalProperties: false,
  minProperties: 1,
});
export type SitePatchBody = Static<typeof SitePatchBody>;

/** `steps` is checked by parseSteps, whose messages name the bad step. */
const StepsField = Type.Array(Type.Unknown(), {
  description: 'The steps; see schemas/trace.json for their format.',
});

export const TraceCreateBody = Type.Object(
  {
    name: TraceFields.name,
    tags: Type.Optional(TraceFields.tags),
    taggedBug: Type.Optional(TraceFields.taggedBug),
    taggedFlaky: Type.Optional(TraceFields.taggedFlaky),
    steps: StepsField,
  },
  { additionalProperties: false },
);
export type TraceCreateBody = Static<typeof TraceCreateBody>;

export const TracePatchBody = Type.Object(Type.Partial(TraceCreateBody).properties, {
  additionalProperties: false,
  minProperties: 1,
});
export type TracePatchBody = Static<typeof TracePatchBody>;

export const ProjectParams = Type.Object({ projectID: Type.String({ minLength: 1, maxLength: 100 }) });
export const ProjectIdParams = Type.Object({ projectId: Type.String({ minLength: 1, maxLength: 100 }) });
export const SiteParams = Type.Object({ siteKey: Type.String({ minLength: 1, maxLength: 100 }) });
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });
export const TraceIdParams = Type.Object({ traceId: Type.String({ minLength: 1, maxLength: 200 }) });

export const ListQuery = Type.Object(
  {
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$', description: '1–100, default 20' })),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);

export const ListByProjectQuery = Type.Object(
  {
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$', description: '1–100, default 20' })),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
    projectID: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: "Only this project's." }),
    ),
  },
  { additionalProperties: false },
);
