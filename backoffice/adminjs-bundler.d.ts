// adminjs exports its bundler under "adminjs/bundler" without type declarations; we use these parts.
declare module "adminjs/bundler" {
  import type AdminJS from "adminjs"
  export class AssetBundler {
    constructor(input: Record<string, unknown>, output: Record<string, unknown>)
    inputOptions: Record<string, unknown>
    outputOptions: Record<string, unknown>
    build(): Promise<void>
  }
  export const componentsBundler: AssetBundler
  export function generateUserComponentEntry(admin: AdminJS, entryPath: string): string
}
