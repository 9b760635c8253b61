/** ISO 4217: the currency codes the runtime knows (Intl), which is also what it can format. */
const ISO_4217 = new Set(Intl.supportedValuesOf('currency'));

export const isIsoCurrency = (code: string): boolean => ISO_4217.has(code);
