/**
 * `import(specifier)` of a package name or an absolute URL: every import of a module that is not part of
 * homeostat goes through here. The command's bundle runs as a script compiled from V8's code cache, where
 * `import()` has no module loader; its build replaces this module with one that asks the bundle's ES module
 * entry to import (scripts/build-cli.mjs), which resolves package names from the same place.
 * @param specifier a package name (resolved as from homeostat's own files) or an absolute file: or data: URL
 */
export function dynamicImport<Module = Record<string, unknown>>(specifier: string): Promise<Module> {
  return import(specifier) as Promise<Module>;
}
