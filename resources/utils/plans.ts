import { useI18n } from 'vue-i18n'
import type { PlanTerms } from '#models/plan'

/** A plan's terms in a line (“30 天，每天 2 次，每次最长 4 小时”), as every plan page shows them. */
export function usePlanTerms() {
  const { t } = useI18n()
  return (plan: PlanTerms) =>
    plan.kind === 'monthly'
      ? t('plans.terms.monthly', {
          days: plan.days,
          perDay: plan.chargesPerDay,
          hours: plan.maxHours,
        })
      : t('plans.terms.count', { charges: plan.charges, days: plan.days, hours: plan.maxHours })
}
