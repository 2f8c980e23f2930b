/**
 * Chats (issue 14), read-only: every store's takeover queue with the wait time, and each
 * conversation's draft. Stores' staff work their queue through the seller API; operators watch.
 */
import type { ResourceWithOptions } from "adminjs"
import { readOnlyActions } from "../actions.js"
import type { BackofficeContext } from "../actions.js"
import { ReadModelResource } from "../read-model.js"

export const conversationsResource = (ctx: BackofficeContext): ResourceWithOptions => ({
  resource: new ReadModelResource(
    {
      id: "conversations",
      query: `select c.id, c.channel, c.customer, c.store_id, s.name as store_name, c.mode, c.queue_reason, c.queued_at,
                     case when c.queued_at is null then 0 else floor(extract(epoch from now() - c.queued_at))::int end as waiting_seconds,
                     c.failed_parses, c.draft_state, c.draft::text as draft, c.checkout_id, c.last_inbound_at, c.created_at,
                     (case when c.mode = 'QUEUED' then '0' when c.mode = 'HUMAN' then '1' else '2' end)
                       || coalesce(to_char(c.queued_at at time zone 'UTC', 'YYYYMMDDHH24MISSUS'), '') as queue_order
                from conversations c join stores s on s.id = c.store_id`,
      properties: [
        { path: "id", isId: true, filter: "exact" },
        { path: "channel", filter: "exact" },
        { path: "customer", filter: "exact" },
        { path: "store_id", filter: "exact" },
        { path: "store_name" },
        { path: "mode", filter: "exact" },
        { path: "queue_reason" },
        { path: "queued_at", type: "datetime", filter: "range" },
        { path: "waiting_seconds", type: "number" },
        { path: "failed_parses", type: "number" },
        { path: "draft_state", filter: "exact" },
        { path: "draft", type: "textarea", sortable: false },
        { path: "checkout_id", filter: "exact" },
        { path: "last_inbound_at", type: "datetime" },
        { path: "created_at", type: "datetime", filter: "range" },
        { path: "queue_order" }
      ]
    },
    ctx.read
  ),
  options: {
    id: "conversations",
    navigation: { name: "Orders", icon: "FileText" },
    // waiting first (QUEUED, then held by a person), oldest first within each
    sort: { sortBy: "queue_order", direction: "asc" },
    listProperties: ["store_name", "channel", "customer", "mode", "waiting_seconds", "queue_reason", "draft_state", "queued_at"],
    filterProperties: ["mode", "channel", "store_id", "customer", "queued_at"],
    properties: {
      mode: { availableValues: ["AUTO", "QUEUED", "HUMAN"].map((v) => ({ value: v, label: v })) },
      channel: { availableValues: ["WHATSAPP", "INSTAGRAM"].map((v) => ({ value: v, label: v })) }
    },
    actions: readOnlyActions("orders.read")
  }
})
