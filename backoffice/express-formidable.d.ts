// express-formidable (the form parser @adminjs/express uses) ships no type declarations; csrf.ts uses its one export.
declare module "express-formidable" {
  import type { RequestHandler } from "express"
  export default function formidableMiddleware(options?: Readonly<Record<string, unknown>>): RequestHandler
}
