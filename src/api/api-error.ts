/** Machine-readable error codes of the Elido API, with their HTTP status. */
export const API_ERROR_STATUS = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  rate_limited: 429,
  internal_error: 500,
  bad_gateway: 502,
  service_unavailable: 503,
} as const;

export type ApiErrorCode = keyof typeof API_ERROR_STATUS;

/** An error the API returns as `{ error, code, request_id }` with the code's status. */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly statusCode: number;

  constructor(code: ApiErrorCode, message: string) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.statusCode = API_ERROR_STATUS[code];
  }
}

/** The error body Elido documents: a human message, a machine code and the request id. */
export interface ApiErrorBody {
  error: string;
  code: ApiErrorCode;
  request_id: string;
}
