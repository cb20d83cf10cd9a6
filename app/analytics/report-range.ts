/** Days a report covers when the merchant picks no dates. */
export const DEFAULT_RANGE_DAYS = 7;
