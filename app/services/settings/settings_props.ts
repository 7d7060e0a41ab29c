import type { Tariff } from '#core/billing/tariff'
import type { DeductionOrder } from '#core/wallet/deduction_order'
import type { Option } from '#services/page_props'

/*
 * The props of the 配置 pages, built by the controllers of app/controllers/settings
 * and imported by the pages (types only). Type aliases: Inertia props are plain JSON.
 */

export type ProjectRow = {
  id: number
  code: string
  name: string
  status: 'active' | 'archived'
  cardFee: number
  overdraftLimit: number
  deductionOrder: DeductionOrder
  topupMax: number
}
export type ProjectsPageProps = { projects: ProjectRow[] }

export type TopupPackageRow = {
  id: number
  projectId: number
  amount: number
  bonus: number
  sortOrder: number
  enabled: boolean
}
export type PackagesPageProps = { packages: TopupPackageRow[]; projectOptions: Option[] }

export type TariffVersion = {
  id: number
  version: number
  rules: Tariff
  createdBy: string | null
  createdAt: string
}
export type TariffsPageProps = {
  projectOptions: Option[]
  projectId: number | null
  versions: TariffVersion[]
  defaults: Tariff
}

export type PluginField = {
  name: string
  type: 'string' | 'number' | 'boolean' | 'list' | 'other'
  optional: boolean
}
export type PluginChoice = {
  id: string
  fields: readonly PluginField[]
  secrets: readonly string[]
  protected: readonly string[]
}
export type PluginSettingRow = {
  id: number
  pluginId: string
  kind: string
  projectId: number | null
  enabled: boolean
  config: Record<string, unknown>
  inUse: boolean
  /** Notifications refused before they could be trusted, or null when none were. */
  webhookRefusals: { lastHour: number; lastDay: number } | null
}
/** 支付配置 and 短信配置: one page, the section telling its titles and extra parts. */
export type PluginSettingsPageProps = {
  section: 'payment' | 'sms'
  pluginSettings: PluginSettingRow[]
  /** Each active project with the setting that applies to it. */
  pluginProjects: (Option & { settingId: number | null })[]
  pluginChoices: PluginChoice[]
  pluginTenantWide: boolean
}
