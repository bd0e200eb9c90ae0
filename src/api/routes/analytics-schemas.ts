import { type TSchema, Type } from "@sinclair/typebox";
import { API_ERROR_STATUS } from "../api-error.js";

/** TypeBox schemas of the analytics responses, for the OpenAPI document and the serializer. */

const NullableString = (description: string) =>
  Type.Union([Type.String(), Type.Null()], { description });

/** A click in API results, fields in the order Elido sends them. */
export const ClickSchema = Type.Object(
  {
    click_id: Type.String({ format: "uuid", description: "UUID v4 stamped at the edge." }),
    link_id: Type.Integer(),
    workspace_id: Type.Integer(),
    slug: Type.String(),
    occurred_at: Type.String({
      format: "date-time",
      description: "RFC 3339 UTC with microseconds.",
    }),
    country_code: NullableString("ISO 3166-1 alpha-2, or null when unknown."),
    device: Type.Union([Type.Literal("desktop"), Type.Literal("mobile"), Type.Literal("tablet")]),
    browser: Type.String(),
    os: Type.String(),
    referrer_host: NullableString("Host of the referrer, or null when there was none."),
    utm_source: NullableString("UTM parameter of the link, or null."),
    utm_medium: NullableString("UTM parameter of the link, or null."),
    utm_campaign: NullableString("UTM parameter of the link, or null."),
    utm_content: NullableString("UTM parameter of the link, or null."),
    utm_term: NullableString("UTM parameter of the link, or null."),
    suspected_bot: Type.Boolean({
      description: "True when the suspicion scorer flagged the click; it still counts.",
    }),
  },
  { additionalProperties: false },
);

export const WorkspaceParams = Type.Object(
  {
    workspace_id: Type.String({
      pattern: "^[0-9]{1,15}$",
      description: "Workspace id; must be the workspace of the API key.",
      examples: ["4123"],
    }),
  },
  { additionalProperties: false },
);

export const RecentPageSchema = Type.Object({
  items: Type.Array(ClickSchema),
  next_cursor: Type.Union([Type.String(), Type.Null()], {
    description: "Cursor of the next page, or null when this page is the last of the window now.",
  }),
});

const WindowFields = {
  from: Type.String({ format: "date-time", description: "Window start, included." }),
  to: Type.String({ format: "date-time", description: "Window end, excluded." }),
  clicks: Type.Integer({ description: "Visible human clicks in the window." }),
};

export const SummarySchema = Type.Object({
  ...WindowFields,
  links: Type.Array(Type.Object({ link_id: Type.Integer(), clicks: Type.Integer() }), {
    description: "Every link of the workspace, ascending by link_id, with its clicks.",
  }),
});

export const TimeseriesSchema = Type.Object({
  ...WindowFields,
  interval: Type.Union([Type.Literal("day"), Type.Literal("hour"), Type.Literal("minute")]),
  buckets: Type.Array(
    Type.Object({
      start: Type.String({ format: "date-time", description: "UTC-aligned bucket start." }),
      clicks: Type.Integer(),
    }),
    { description: "Every bucket that overlaps the window, empty ones included." },
  ),
});

export const CountryBreakdownSchema = Type.Object({
  ...WindowFields,
  countries: Type.Array(
    Type.Object({ country_code: Type.Union([Type.String(), Type.Null()]), clicks: Type.Integer() }),
    { description: "Countries with clicks, most clicks first; null collects clicks without one." },
  ),
});

export const ErrorSchema = Type.Object({
  error: Type.String({ description: "What failed, on which value, and what to send instead." }),
  code: Type.Union(Object.keys(API_ERROR_STATUS).map((code) => Type.Literal(code))),
  request_id: Type.String({ description: "Also sent as X-Request-ID." }),
});

const errorResponse = (description: string): TSchema =>
  Type.Object(ErrorSchema.properties, { description });

/** Error responses that every analytics route can return. */
export const ERROR_RESPONSES: Readonly<Record<400 | 401 | 403, TSchema>> = {
  400: errorResponse("Invalid path or query parameter."),
  401: errorResponse("Missing or unknown API key."),
  403: errorResponse("The key belongs to another workspace."),
};
