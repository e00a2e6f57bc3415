// Business error codes shared by the workflow (ApplicationFailure types) and the API (problem types).

export const ERRORS = {
  TaskNotFound: { status: 404, title: 'Task not found' },
  RequestNotFound: { status: 404, title: 'Request not found' },
  GrantNotFound: { status: 404, title: 'Grant not found' },
  EntryNotFound: { status: 404, title: 'Catalog entry not found' },
  TaskNotOpen: { status: 409, title: 'Task is not open' },
  RequestNotActive: { status: 409, title: 'Request is not in a state that allows this' },
  IdempotencyKeyReused: { status: 409, title: 'Idempotency-Key was used for a different request' },
  OpinionAwaited: { status: 409, title: 'The providing agency has not agreed' },
  AlreadyClaimed: { status: 409, title: 'Task is claimed by someone else' },
  NotCandidate: { status: 403, title: 'You are not a candidate for this task' },
  NotAssignee: { status: 403, title: 'Only the assignee may do this' },
  OwnRequest: { status: 403, title: 'Nobody decides their own request' },
  Excluded: { status: 403, title: 'A party to the matter may not act on this task' },
  PrincipalRequired: { status: 409, title: 'Say who you are first (PUT /principals/me)' },
  NotOpen: { status: 403, title: 'The data is not opened (Art. 17)' },
  Forbidden: { status: 403, title: 'Your role or organisation may not do this' },
  DecisionNotAllowed: { status: 400, title: 'Decision not allowed for this task' },
  ReasonRequired: { status: 400, title: 'A reason is required' },
  InvalidInput: { status: 400, title: 'Invalid input' },
  Unauthorized: { status: 401, title: 'Missing or invalid bearer token' },
  PdfUnavailable: { status: 503, title: 'No PDF can be made here (no CJK font installed)' },
  ConsoleNotBuilt: { status: 404, title: 'The console is not built here (npm run console:build)' },
  ConsoleFileNotFound: { status: 404, title: 'The console has no such file' },
  EngineTimeout: { status: 503, title: 'The workflow engine did not answer in time' },
  RegistrationIncomplete: { status: 409, title: 'Registration could not be completed' },
  TooManyRequests: { status: 429, title: 'Too many requests' },
  IdentityUnverified: { status: 409, title: 'The identity provider verified no identity for this sign-in' },
  EngineUnavailable: { status: 503, title: 'The workflow engine cannot take this action at the moment' },
  DatabaseUnavailable: { status: 503, title: 'The database is not reachable' },
  UnstorableData: { status: 400, title: 'The data cannot be stored' },
  AgentNotFound: { status: 404, title: 'No such authorisation of yours in force' },
  AgentConflict: { status: 409, title: 'The authorisation of this agent conflicts with one in force' },
  UrgeRefused: { status: 409, title: 'The task may not be urged now' },
  OrganisationNotFound: { status: 404, title: 'Organisation not found' },
} as const;
export type ErrorCode = keyof typeof ERRORS;

/** A rule broken by an input or an action: which field, which rule, on which article it rests. */
export interface RuleViolation {
  code: ErrorCode;
  detail: string;
  field?: string;
  rule?: string;
  article?: string;
}
