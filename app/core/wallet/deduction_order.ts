/** 扣款顺序: a charge takes bonus money first (先扣赠送) or real money first (先扣实际充值). */
export const DEDUCTION_ORDERS = ['bonus_first', 'real_first'] as const
export type DeductionOrder = (typeof DEDUCTION_ORDERS)[number]
