// A seller's KYC documents on the review page: images as thumbnails (click for full size), PDFs as
// links. Both are fetched through the admin session (/admin/uploads/:id), never from a public URL.
import React from "react"
import { parse } from "./ui.jsx"

const size = (bytes) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`)

const KycDocuments = (props) => {
  const files = parse(props.record.params.kyc_files) || []
  if (files.length === 0)
    return (
      <div data-testid="kyc-documents" style={{ color: "#667085", padding: "8px 0" }}>
        No documents submitted
      </div>
    )
  return (
    <div data-testid="kyc-documents" style={{ display: "flex", flexWrap: "wrap", gap: 16, padding: "8px 0" }}>
      {files.map((f) => (
        <a
          key={f.id}
          href={f.url}
          target="_blank"
          rel="noopener noreferrer"
          data-testid="kyc-document"
          style={{ textDecoration: "none", color: "#101828", width: 180 }}
        >
          {f.contentType.startsWith("image/") ? (
            <img
              src={f.url}
              alt={`KYC document ${f.id}`}
              style={{ width: 180, height: 120, objectFit: "cover", borderRadius: 6, border: "1px solid #d0d5dd", display: "block" }}
            />
          ) : (
            <div
              style={{
                width: 180,
                height: 120,
                borderRadius: 6,
                border: "1px solid #d0d5dd",
                display: "flex",
                alignItems: "center",
                justifyContent: "center",
                background: "#f6f7f9",
                fontWeight: 600
              }}
            >
              PDF
            </div>
          )}
          <div style={{ fontSize: 12, marginTop: 4 }}>
            {f.contentType} · {size(f.sizeBytes)}
          </div>
        </a>
      ))}
    </div>
  )
}

export default KycDocuments
