/**
 * The eleven provider ids as the API names them, in catalog order. Written out here rather than read from the
 * code, so that the tests comparing the code's lists against it fail when a provider goes missing.
 */
export const PROVIDER_IDS_IN_ORDER = [
  'SMSAPI',
  'SERWERSMS',
  'JUSTSEND',
  'TELECUBE',
  'DOTPAY',
  'MULTIINFO',
  'PEOPLEFONE',
  'MOBITEX',
  'TIDE',
  'THREE_S',
  'GENERIC_HTTP',
];
