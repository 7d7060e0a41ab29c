import { reactive, ref, type UnwrapRef } from 'vue'
import { router } from '@inertiajs/vue3'

export type FilterValue = string | number | boolean | null
export type Pagination = { page: number; perPage: number; total: number }
/** A keyset page's anchor, with the rows before it for 序号 (see ServerTable). */
export type Anchor = { before?: number; after?: number; skip?: number; until?: number }
type SortItem = { key: string; order?: boolean | 'asc' | 'desc' }
/** What a `v-data-table-server` reports through `update:options`. */
export type TableOptions = { page: number; itemsPerPage: number; sortBy?: SortItem[] }

type Query = Record<string, string | number>

/**
 * The state of a server-filtered list page: the filters being edited (the
 * server's echo of the last search is the starting point), the query string
 * they make (only filled-in filters), paging by page or by keyset anchor,
 * loading, the error of the last visit, and a reload of the list props.
 */
export function useServerList<F extends Record<string, FilterValue>>(options: {
  /** Where the list lives, e.g. `urlFor('orders.index')`. */
  url: string
  /** The filters the server applied (its echo of the query string). */
  filters: () => F
  /** Page-numbered lists: the server's pagination; keyset lists leave it out. */
  pagination?: () => Pagination
  /** Filters that reset leaves alone (e.g. the sort of the table). */
  keep?: (keyof F)[]
  /** Sortable tables: the filter names carrying the sort column and order. */
  sort?: { by: keyof F; order: keyof F; default: string }
  /** The props a reload fetches again (all when left out). */
  only?: string[]
}) {
  const filters = reactive({ ...options.filters() })
  const loading = ref(false)
  const error = ref<string | null>(null)
  const paged = options.pagination !== undefined

  function query(extra: Query): Query {
    const result: Query = { ...extra }
    for (const [name, value] of Object.entries(filters)) {
      if (value === true) result[name] = 'true'
      else if (value) result[name] = value
    }
    return result
  }

  function visit(extra: Query) {
    router.get(options.url, query(extra), {
      preserveScroll: true,
      // Page-numbered tables keep their own state (selection, sort) across pages.
      ...(paged ? { preserveState: true, replace: true } : {}),
      onStart: () => (loading.value = true),
      onFinish: () => (loading.value = false),
      onSuccess: () => (error.value = null),
      onError: (errors) => (error.value = Object.values(errors)[0] ?? null),
    })
  }

  /** Page-numbered lists: that page (and page size) with the filters. */
  function toPage(page: number, perPage?: number) {
    const current = options.pagination?.()
    visit({ page, perPage: perPage ?? current?.perPage ?? 20 })
  }

  /** Keyset lists: the page before or after an anchor, or the first page. */
  function load(anchor: Anchor = {}) {
    visit(anchor)
  }

  /** A new search starts on the first page. */
  function search() {
    if (paged) toPage(1)
    else load()
  }

  /** Clears the filters (or sets some of them) and searches again. */
  function reset(values: Partial<F> = {}) {
    const draft = filters as Record<string, FilterValue>
    for (const name of Object.keys(draft)) {
      if (options.keep?.includes(name)) continue
      draft[name] = typeof draft[name] === 'boolean' ? false : null
    }
    Object.assign(draft, values)
    search()
  }

  // The table reports its options once on mount too: only a real change reloads.
  function onOptions(table: TableOptions) {
    const current = options.pagination!()
    const sort = options.sort
    const draft = filters as Record<string, FilterValue>
    let sortChanged = false
    if (sort) {
      const [item] = table.sortBy ?? []
      const by = item?.key ?? sort.default
      const order = item?.order === 'asc' ? 'asc' : 'desc'
      const applied = options.filters()
      sortChanged = by !== applied[sort.by] || order !== applied[sort.order]
      draft[sort.by as string] = by
      draft[sort.order as string] = order
    }
    if (table.page === current.page && table.itemsPerPage === current.perPage && !sortChanged) {
      return
    }
    toPage(table.itemsPerPage === current.perPage ? table.page : 1, table.itemsPerPage)
  }

  function reload() {
    router.reload({ only: options.only })
  }

  return {
    filters: filters as UnwrapRef<F>,
    /** The filters the server applied, e.g. for an export of the list as shown. */
    applied: options.filters,
    loading,
    error,
    query,
    load,
    toPage,
    search,
    reset,
    onOptions,
    reload,
  }
}

export type ServerList = ReturnType<typeof useServerList>
