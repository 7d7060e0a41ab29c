import vine from '@vinejs/vine'
import type { FieldContext, MessagesProviderContact } from '@vinejs/vine/types'
import type { I18n } from '@adonisjs/i18n'

/*
| 配置 → 支付配置 and 短信配置 (plugin settings). The page sends the plugin's config as an object of raw values;
| the plugin's own schema checks them (TenantPluginService), so here it is
| only an object.
*/

const config = vine.record(vine.any().optional())

/**
 * A new plugin setting: which plugin, for the whole tenant or one project.
 * `confirm` repeats the value of each protected field given.
 */
export const pluginSettingCreateValidator = vine.create({
  pluginId: vine.string().trim().maxLength(64),
  projectId: vine.number({ strict: true }).withoutDecimals().min(1).nullable(),
  enabled: vine.boolean({ strict: true }),
  config,
  confirm: config.clone().optional(),
})

/**
 * An edit: plugin and scope stay; a secret left empty keeps the stored one.
 * `confirm` repeats the new value of each protected field changed.
 */
export const pluginSettingUpdateValidator = vine.create({
  enabled: vine.boolean({ strict: true }),
  config,
  confirm: config.clone().optional(),
})

export const pluginSettingEnabledValidator = vine.create({
  enabled: vine.boolean({ strict: true }),
})

/** 短信配置's test send: one mainland mobile number. */
export const smsTestSendValidator = vine.create({
  phone: vine
    .string()
    .trim()
    .regex(/^1[3-9]\d{9}$/),
})

/**
 * Messages of a plugin's config schema in the staff's language:
 * rule messages from `plugins.validation` (then the app's shared
 * ones), field names from the page's labels of that plugin's fields.
 */
export class PluginConfigMessages implements MessagesProviderContact {
  constructor(
    protected i18n: I18n,
    protected pluginId: string
  ) {}

  getMessage(
    defaultMessage: string,
    rule: string,
    field: FieldContext,
    meta?: Record<string, any>
  ): string {
    const data = {
      ...meta,
      field: this.#label(field.name),
      ...(meta?.otherField ? { otherField: this.#label(meta.otherField) } : {}),
    }
    for (const key of [`plugins.validation.${rule}`, `validator.shared.messages.${rule}`]) {
      if (this.i18n.resolveIdentifier(key)) return this.i18n.t(key, data)
    }
    return defaultMessage.replace(/\{\{?\s*(\w+)\s*\}?\}/g, (text, name) =>
      name in data ? String(data[name as keyof typeof data]) : text
    )
  }

  #label(name: string | number) {
    const key = `ui.pluginSettings.fields.${this.pluginId}.${name}`
    return this.i18n.resolveIdentifier(key) ? this.i18n.t(key) : String(name)
  }
}
