// An order's immutable snapshot rendered as a receipt, with its timeline, payments and ledger lines.
import React, { useState } from "react"
import { Card, Pill, Table, fmt, parse, when } from "./ui.jsx"

const Row = ({ label, value, strong, muted }) => (
  <div
    style={{
      display: "flex",
      justifyContent: "space-between",
      padding: "4px 0",
      fontWeight: strong ? 700 : 400,
      color: muted ? "#667085" : "#101828",
      fontSize: strong ? 16 : 14
    }}
  >
    <span>{label}</span>
    <span>{value}</span>
  </div>
)

const Raw = ({ value }) => {
  const [open, setOpen] = useState(false)
  return (
    <div>
      <button type="button" onClick={() => setOpen(!open)} style={{ background: "none", border: 0, color: "#1570ef", cursor: "pointer", padding: 0 }}>
        {open ? "hide raw" : "raw callback"}
      </button>
      {open ? (
        <pre style={{ background: "#f6f7f9", padding: 10, borderRadius: 6, fontSize: 12, overflowX: "auto", maxWidth: 520 }}>
          {JSON.stringify(value, null, 2)}
        </pre>
      ) : null}
    </div>
  )
}

const OrderReceipt = (props) => {
  const { record } = props
  const data = parse(record.params.receipt) || {}
  const s = data.snapshot
  const p = record.params
  return (
    <div
      data-testid="order-receipt"
      style={{
        display: "grid",
        gridTemplateColumns: "minmax(340px, 460px) 1fr",
        gap: 20,
        alignItems: "start",
        padding: "8px 0",
        fontFamily: "Roboto, system-ui, sans-serif"
      }}
    >
      <Card>
        <div style={{ textAlign: "center", borderBottom: "1px dashed #d0d5dd", paddingBottom: 12, marginBottom: 12 }}>
          <div style={{ fontSize: 20, fontWeight: 700, letterSpacing: 1 }}>AMANA</div>
          <div style={{ color: "#667085", fontSize: 13 }}>{p.store}</div>
          <div style={{ fontSize: 13, marginTop: 6 }}>
            Order <b>{p.id}</b>
          </div>
          <div style={{ color: "#667085", fontSize: 12 }}>
            {s ? when(s.createdAt) : ""} · to {p.destination}
          </div>
          <div style={{ marginTop: 8 }}>
            <Pill>{p.state}</Pill>
          </div>
        </div>
        {s ? (
          <div>
            {s.lines.map((l) => (
              <div key={l.variantId} style={{ padding: "6px 0", borderBottom: "1px solid #f2f4f7" }}>
                <div style={{ display: "flex", justifyContent: "space-between", fontSize: 14 }}>
                  <span>
                    <b>{l.quantity} ×</b> {l.title}
                  </span>
                  <span>{fmt(l.baseLineTotal)}</span>
                </div>
                <div style={{ fontSize: 12, color: "#667085" }}>
                  {l.sku} · {fmt(l.unitPrice)} each
                </div>
              </div>
            ))}
            <div style={{ marginTop: 10 }}>
              <Row label="Subtotal (base prices)" value={fmt(s.totals.original)} />
              {s.incentives.promotion ? (
                <Row
                  label={"Promotion: " + s.incentives.promotion.name + " (v" + s.incentives.promotion.version + ")"}
                  value={"-" + fmt(s.incentives.promotion.discount)}
                  muted
                />
              ) : null}
              {s.incentives.code ? (
                <Row label={"Code " + s.incentives.code.code + " (v" + s.incentives.code.version + ")"} value={"-" + fmt(s.incentives.code.discount)} muted />
              ) : null}
              {s.incentives.loyalty ? (
                <Row label={"Loyalty: " + s.incentives.loyalty.points + " points"} value={"-" + fmt(s.incentives.loyalty.value)} muted />
              ) : null}
              <Row label="Shipping" value={fmt(s.totals.shipping)} />
              {s.totals.shippingDiscount && s.totals.shippingDiscount.amount ? (
                <Row label="Free shipping" value={"-" + fmt(s.totals.shippingDiscount)} muted />
              ) : null}
              <div style={{ borderTop: "1px dashed #d0d5dd", marginTop: 8, paddingTop: 8 }}>
                <Row label="Total" value={fmt(s.totals.final)} strong />
                {s.totals.roundingAbsorbed && s.totals.roundingAbsorbed.amount ? (
                  <Row label="Rounding absorbed by Amana" value={"-" + fmt(s.totals.roundingAbsorbed)} muted />
                ) : null}
                <Row label="Paid by M-Pesa" value={fmt(s.totals.buyerPays)} strong />
              </div>
            </div>
            <div style={{ marginTop: 12, fontSize: 11, color: "#98a2b3", wordBreak: "break-all" }}>
              Immutable snapshot · sha256 {data.snapshotHash}
              <br />
              platform fee {s.platformFeeBps / 100}%{s.affiliate ? " · affiliate " + s.affiliate.code : ""}
            </div>
          </div>
        ) : (
          <div style={{ color: "#98a2b3" }}>No snapshot stored for this order.</div>
        )}
      </Card>
      <div style={{ display: "grid", gap: 20 }}>
        <Card title="Timeline">
          <Table
            columns={[
              { key: "at", label: "When", render: (r) => when(r.at) },
              {
                key: "to_state",
                label: "State",
                render: (r) => (
                  <span>
                    {r.from_state ? <span style={{ color: "#98a2b3" }}>{r.from_state.replace(/_/g, " ")} → </span> : null}
                    <Pill>{r.to_state}</Pill>
                  </span>
                )
              },
              { key: "actor", label: "Who", render: (r) => r.actor_kind.toLowerCase() + (r.actor_id ? " " + r.actor_id : "") },
              { key: "reason", label: "Why" }
            ]}
            rows={data.timeline || []}
          />
        </Card>
        <Card title="M-Pesa payments">
          <Table
            columns={[
              { key: "requested_at", label: "Requested", render: (r) => when(r.requested_at) },
              { key: "phone", label: "Phone" },
              { key: "amountText", label: "Amount", align: "right" },
              { key: "status", label: "Status", render: (r) => <Pill>{r.status}</Pill> },
              { key: "mpesa_receipt_number", label: "Receipt" },
              {
                key: "callbacks",
                label: "Callbacks",
                render: (r) =>
                  (r.callbacks || []).map((c) => (
                    <div key={c.id}>
                      {when(c.receivedAt)} {c.outcome || ""}
                      <Raw value={c.raw} />
                    </div>
                  ))
              }
            ]}
            rows={data.payments || []}
            empty="No STK push for this order's checkout"
          />
        </Card>
        <Card title="Ledger lines">
          <Table
            columns={[
              { key: "kind", label: "Posting" },
              { key: "account", label: "Account", render: (r) => r.account + (r.account_ref ? " · " + r.account_ref : "") },
              { key: "debit", label: "Debit", align: "right" },
              { key: "credit", label: "Credit", align: "right" }
            ]}
            rows={data.ledger || []}
            empty="No money has moved for this order yet"
          />
        </Card>
      </div>
    </div>
  )
}

export default OrderReceipt
