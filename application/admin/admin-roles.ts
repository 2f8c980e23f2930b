/**
 * Back-office roles and what each may do, as data. Every admin use case checks the actor's role
 * against this table on the server before it touches anything; the UI hides buttons from the same
 * table, but hiding is a convenience, not the check.
 */
import { Effect, Schema } from "effect"
import { AdminForbidden } from "./admin.errors.js"
import type { AdminUserId } from "../../domain/ids.js"

export const AdminRole = Schema.Literal("PLATFORM_ADMIN", "CATALOG_REVIEWER", "FINANCE", "AUDITOR")
export type AdminRole = typeof AdminRole.Type

export type Capability =
  | "catalogue.read"
  | "catalogue.review"
  | "sellers.review"
  | "incentives.read"
  | "incentives.manage"
  | "orders.read"
  | "exceptions.read"
  | "exceptions.work"
  | "payouts.read"
  | "payouts.approve"
  | "commissions.reject"
  | "audit.read"
  | "admins.read"
  | "admins.manage"
  | "users.read"
  | "users.sessions.revoke"
  | "users.manage"
  | "settings.read"
  | "settings.manage"
  | "riders.manage"
  | "affiliates.review"

const READ_EVERYTHING: ReadonlyArray<Capability> = [
  "catalogue.read",
  "incentives.read",
  "orders.read",
  "exceptions.read",
  "payouts.read",
  "audit.read",
  "admins.read",
  "users.read",
  "settings.read"
]

/**
 * PLATFORM_ADMIN: everything. CATALOG_REVIEWER: sellers, brands, products. FINANCE: payouts and the
 * exception queue (and the orders, payments and ledger they need to see). AUDITOR: reads everything,
 * changes nothing.
 */
export const grants: { readonly [R in AdminRole]: ReadonlyArray<Capability> } = {
  PLATFORM_ADMIN: [
    ...READ_EVERYTHING,
    "catalogue.review",
    "sellers.review",
    "incentives.manage",
    "exceptions.work",
    "payouts.approve",
    "commissions.reject",
    "admins.manage",
    "users.sessions.revoke",
    "users.manage",
    "settings.manage",
    "riders.manage",
    "affiliates.review"
  ],
  CATALOG_REVIEWER: ["catalogue.read", "catalogue.review", "sellers.review", "audit.read"],
  FINANCE: [
    "catalogue.read",
    "incentives.read",
    "orders.read",
    "exceptions.read",
    "exceptions.work",
    "payouts.read",
    "payouts.approve",
    "commissions.reject",
    "audit.read"
  ],
  AUDITOR: READ_EVERYTHING
}

export const can = (role: AdminRole, capability: Capability): boolean => grants[role].includes(capability)

/** Who is acting: an authenticated admin user, with the role read fresh from the database. */
export interface AdminActor {
  readonly id: AdminUserId
  readonly email: string
  readonly role: AdminRole
}

/** Fails with AdminForbidden unless the actor's role grants the capability. */
export const authorize = (actor: AdminActor, capability: Capability): Effect.Effect<void, AdminForbidden> =>
  can(actor.role, capability) ? Effect.void : Effect.fail(new AdminForbidden({ role: actor.role, capability }))
