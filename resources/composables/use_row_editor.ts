import { ref, type Ref } from 'vue'

type Visit = (url: string, options: { onSuccess: () => void }) => void

/**
 * The 新增 / 编辑 dialog of a settings table: `open(row)` fills the form
 * (`row` null: a new one) and shows it; `send` posts a new row or puts the
 * edited one, and closes the dialog once the server took it.
 */
export function useRowEditor<Row extends { id: number }>(fill: (row: Row | null) => void) {
  const dialog = ref(false)
  const editing = ref(null) as Ref<Row | null>

  function open(row: Row | null) {
    editing.value = row
    fill(row)
    dialog.value = true
  }

  function send(form: { post: Visit; put: Visit }, store: string, update: (id: number) => string) {
    const options = { onSuccess: () => (dialog.value = false) }
    if (editing.value) form.put(update(editing.value.id), options)
    else form.post(store, options)
  }

  return { dialog, editing, open, send }
}
