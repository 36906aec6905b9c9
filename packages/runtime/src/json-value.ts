/** Any JSON value: what a spec's otp:Json parameter or field carries. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
