import type { EdgeLimits } from '#sdk/device_edge'
import type { VendorCardDecision } from '#sdk/contracts/vendor'
import type { CardNumberFormat } from './mapping.js'

export interface DnyAdapterConfig extends EdgeLimits {
  host: string
  port: number
  /** Connections come through a balancer that opens each with a PROXY header (v1 or v2). */
  proxyProtocol: boolean
  /** Wait for a pile's answer to a command before the one resend (the document: 15 s). */
  ackTimeoutMs: number
  /** Least time between two frames the server sends on one connection (the document: 0.5 s). */
  commandGapMs: number
  /** The piles' heartbeat interval; a connection silent for 3 of them is closed. */
  heartbeatSeconds: number
  cardNumberFormat: CardNumberFormat
  /** 0x85 needs both limits: the one a set_parameters command leaves out is sent as this. */
  maxDurationSeconds: number
  overloadPowerWatts: number
}

export type AuthorisedCard = Extract<VendorCardDecision, { authorised: true }>

/** How a connection proved it speaks for a pile (the core's decision). */
export type DnyIdentity = 'authenticated' | 'unproven'
