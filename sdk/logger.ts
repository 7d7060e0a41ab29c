/*
| The logger a plugin is given (PluginContext.logger, a simulation's
| options): pino's calling shape, only the methods plugins use. The app
| hands over its own logger, which fits this type, so a plugin never names
| the framework's.
*/

/** `log.warn({ ip }, 'refused')` or `log.warn('refused')`. */
export interface PluginLogMethod {
  (details: object, message?: string, ...values: unknown[]): void
  (message: string, ...values: unknown[]): void
}

export interface PluginLogger {
  debug: PluginLogMethod
  info: PluginLogMethod
  warn: PluginLogMethod
  error: PluginLogMethod
  /** A logger that adds `bindings` to every line (a pile's key, a peer's address). */
  child(bindings: Record<string, unknown>): PluginLogger
}
