/**
 * ADMIN_SESSION_SECRET signs the back-office session cookie (secrets.ts' rule). Without it outside
 * a world-facing deployment a random one is made per process, so sessions end at restart.
 */
import { randomBytes } from "node:crypto"
import { requiredSecret } from "../adapters/system/secrets.js"

export const AdminSessionSecretConfig = requiredSecret("ADMIN_SESSION_SECRET", () => randomBytes(32).toString("hex"))
