import { computed } from 'vue'
import { usePage } from '@inertiajs/vue3'

/** Whether the signed-in staff member holds a permission: hides what they may not do. */
export function usePermissions() {
  const page = usePage<{ permissions: string[] }>()
  const granted = computed(() => new Set(page.props.permissions))
  return { can: (permission: string) => granted.value.has(permission) }
}
