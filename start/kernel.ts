import router from '@adonisjs/core/services/router'
import server from '@adonisjs/core/services/server'

server.errorHandler(() => import('#exceptions/handler'))

server.use([
  () => import('#middleware/liveness_middleware'),
  () => import('#middleware/container_bindings_middleware'),
  () => import('@adonisjs/static/static_middleware'),
  () => import('@adonisjs/vite/vite_middleware'),
  // Server-wide so status pages (a 404 without a route) can render too.
  () => import('#middleware/inertia_middleware'),
])

router.use([
  () => import('#middleware/secure_cookies_middleware'),
  () => import('@adonisjs/core/bodyparser_middleware'),
  () => import('@adonisjs/session/session_middleware'),
  () => import('@adonisjs/shield/shield_middleware'),
  () => import('@adonisjs/auth/initialize_auth_middleware'),
  () => import('#middleware/detect_user_locale_middleware'),
  () => import('#middleware/silent_auth_middleware'),
  () => import('#middleware/initialize_bouncer_middleware'),
])

export const middleware = router.named({
  guest: () => import('#middleware/guest_middleware'),
  auth: () => import('#middleware/auth_middleware'),
  tenant: () => import('#middleware/tenant_context_middleware'),
  platformSession: () => import('#middleware/platform_session_middleware'),
  platformAuth: () => import('#middleware/platform_auth_middleware'),
  passwordChange: () => import('#middleware/password_change_middleware'),
  upload: () => import('#middleware/upload_middleware'),
})
