import type { Oauth2AccessToken, RedirectRequestContract } from '@adonisjs/ally/types'
import { AlipaySdk } from 'alipay-sdk'
import { DateTime } from 'luxon'
import { allyUser } from '#services/auth/tenant_oauth2_driver'
import { RiderOauth2Driver, type RiderDriverConfig } from '#services/h5/oauth/rider_oauth2_driver'
import { allowedEndpoint, PROVIDER_TIMEOUT_MS } from '#services/h5/oauth/endpoints'
import { RiderOauthProviderError, type ProvenAccount } from '#services/h5/oauth/provider_error'
import { alipayPrivateKeyPem, alipayPublicKeyPem } from '#services/h5/oauth/alipay_keys'

export type AlipayOauthDriverConfig = RiderDriverConfig<'alipay'> & {
  /** The Alipay public key the gateway's answers are checked against. */
  alipayPublicKey: string
}

type AlipayToken = Oauth2AccessToken & { userId: string }

/**
 * Alipay web authorisation inside the Alipay app (auth_base: no consent
 * page, the user id only). The browser leg is OAuth2-like with `auth_code`;
 * the code is traded by the gateway method alipay.system.oauth.token,
 * RSA2-signed with the app's private key, its answer's signature checked
 * against the Alipay public key (alipay-sdk, as the payment plugin uses).
 * Stateless to Ally: the rider's session keeps the state.
 */
export class AlipayOauthDriver extends RiderOauth2Driver<
  AlipayToken,
  'auth_base',
  AlipayOauthDriverConfig
> {
  protected codeParamName = 'auth_code'
  protected stateCookieName = 'h5_alipay_state'

  async redirectUrl(callback?: (request: RedirectRequestContract<'auth_base'>) => void) {
    const request = this.urlBuilder(allowedEndpoint(this.config.endpoints.authorizeUrl))
    request.param('app_id', this.config.clientId)
    request.scopes(['auth_base'])
    request.param('redirect_uri', this.config.callbackUrl)
    callback?.(request)
    return request.makeUrl()
  }

  async accessToken(): Promise<AlipayToken> {
    const privateKey = alipayPrivateKeyPem(this.config.clientSecret)
    const alipayPublicKey = alipayPublicKeyPem(this.config.alipayPublicKey)
    if (!privateKey || !alipayPublicKey) {
      throw new RiderOauthProviderError('alipay', 'keys', 'the stored keys do not read')
    }
    const sdk = new AlipaySdk({
      appId: this.config.clientId,
      privateKey,
      keyType: 'PKCS8',
      alipayPublicKey,
      gateway: allowedEndpoint(this.config.endpoints.gateway),
      timeout: PROVIDER_TIMEOUT_MS,
      camelcase: false,
    })
    let answer: Record<string, unknown>
    try {
      answer = (await sdk.exec(
        'alipay.system.oauth.token',
        {
          grant_type: 'authorization_code',
          code: String(this.getCode()),
          // The SDK stamps the host's zone; Alipay reads Beijing time.
          timestamp: DateTime.now().setZone('Asia/Shanghai').toFormat('yyyy-MM-dd HH:mm:ss'),
        },
        { validateSign: true }
      )) as Record<string, unknown>
    } catch (error) {
      throw new RiderOauthProviderError('alipay', 'gateway', (error as Error).message)
    }
    // Newer apps get open_id instead of user_id.
    const userId = answer.user_id ?? answer.open_id
    if (typeof userId !== 'string' || !userId || typeof answer.access_token !== 'string') {
      const code = String(answer.sub_code ?? answer.code ?? 'malformed')
      throw new RiderOauthProviderError('alipay', code, String(answer.sub_msg ?? answer.msg ?? ''))
    }
    return {
      token: answer.access_token,
      type: 'bearer',
      expiresIn: Number(answer.expires_in),
      userId,
    }
  }

  async user() {
    const token = await this.accessToken()
    const original: ProvenAccount = { unionId: null, nickname: null }
    return allyUser(token.userId, token, original)
  }

  async userFromToken(): Promise<never> {
    throw new Error('auth_base gives the user id with the token only: use user()')
  }
}
