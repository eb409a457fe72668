import type { CatalogueEntry, FunctionNode } from '@/api/sso'

export interface TreeNode {
  key: string
  label: string
  code: string | null
  type: 'entry' | 'menu' | 'button'
  disabled?: boolean
  children?: TreeNode[]
}

/** Every function code of a catalogue entry (menus and buttons). */
export function codesOf(entry: CatalogueEntry): string[] {
  const out: string[] = []
  const walk = (nodes: FunctionNode[]) => nodes.forEach((n) => { out.push(n.code); walk(n.children) })
  walk(entry.functions)
  return out
}

/** code → node, across the catalogue. */
export function functionIndex(entries: CatalogueEntry[]): Map<string, FunctionNode> {
  const map = new Map<string, FunctionNode>()
  const walk = (nodes: FunctionNode[]) => nodes.forEach((n) => { map.set(n.code, n); walk(n.children) })
  entries.forEach((e) => walk(e.functions))
  return map
}

/**
 * The catalogue as tree nodes; with `allowed`, only those functions are kept (and the menus
 * above them, so the tree still reads as a tree), and entries with none drop out.
 */
export function toTree(entries: CatalogueEntry[], english: boolean, allowed?: Set<string>): TreeNode[] {
  const name = (n: { name_zh: string; name_en: string }) => (english ? n.name_en : n.name_zh)
  const convert = (n: FunctionNode): TreeNode | null => {
    const children = n.children.map(convert).filter((c): c is TreeNode => c !== null)
    if (allowed && !allowed.has(n.code) && children.length === 0) return null
    return { key: n.code, code: n.code, label: name(n), type: n.type, children: children.length ? children : undefined }
  }
  const out: TreeNode[] = []
  for (const e of entries) {
    const children = e.functions.map(convert).filter((c): c is TreeNode => c !== null)
    if (!children.length) continue
    out.push({ key: `entry:${e.code}`, code: null, label: name(e), type: 'entry', children })
  }
  return out
}
