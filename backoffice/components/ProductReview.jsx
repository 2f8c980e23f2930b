// A product under review: its media, variants and, for a re-review, what changed since it was last verified.
import React from "react"
import { Card, Table, parse } from "./ui.jsx"

const show = (v) =>
  v === null || v === undefined
    ? "—"
    : typeof v === "object"
      ? v.amount !== undefined && v.currency
        ? v.currency + " " + (v.amount / 100).toFixed(2)
        : JSON.stringify(v)
      : String(v)

const ProductReview = (props) => {
  const review = parse(props.record.params.review)
  if (!review) return null
  return (
    <div data-testid="product-review" style={{ display: "grid", gap: 16, margin: "12px 0" }}>
      {review.lastVerified ? (
        <Card
          title={review.changes.length ? "Changed since last verified" : "No change since last verified"}
          accent={review.changes.length ? "#f79009" : "#12b76a"}
        >
          <Table
            columns={[
              { key: "field", label: "Field" },
              { key: "before", label: "Approved", render: (r) => show(r.before) },
              { key: "after", label: "Now", render: (r) => show(r.after) }
            ]}
            rows={review.changes}
            empty="Nothing material changed"
          />
        </Card>
      ) : (
        <Card title="First review" accent="#2e90fa">
          <div style={{ color: "#667085" }}>This product has never been verified.</div>
        </Card>
      )}
      <Card title={"Media (" + review.media.length + ")"}>
        <div style={{ display: "flex", gap: 12, flexWrap: "wrap" }}>
          {review.media.length === 0 ? <span style={{ color: "#98a2b3" }}>No media</span> : null}
          {review.media.map((m) => (
            <a key={m} href={m} target="_blank" rel="noreferrer" style={{ display: "block", width: 160 }}>
              <img
                src={m}
                alt=""
                style={{ width: 160, height: 120, objectFit: "cover", borderRadius: 8, border: "1px solid #e4e7ec", background: "#f2f4f7" }}
              />
              <div style={{ fontSize: 11, color: "#667085", wordBreak: "break-all" }}>{m}</div>
            </a>
          ))}
        </div>
      </Card>
      <Card title="Description">
        <div style={{ whiteSpace: "pre-wrap" }}>{review.description || "—"}</div>
      </Card>
      <Card title="Variants">
        <Table
          columns={[
            { key: "sku", label: "SKU" },
            {
              key: "attributes",
              label: "Attributes",
              render: (r) =>
                Object.entries(r.attributes || {})
                  .map(([k, v]) => k + ": " + v)
                  .join(", ")
            },
            { key: "price", label: "Price override", render: (r) => r.price || "—" },
            { key: "available", label: "In stock", align: "right" }
          ]}
          rows={review.variants}
        />
      </Card>
    </div>
  )
}

export default ProductReview
