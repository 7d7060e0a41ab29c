/*
| The UI texts: resources/lang/<locale>/ui.json, the same files the server's
| i18n reads, so each text lives in one place.
*/
const files = import.meta.glob<Record<string, unknown>>('../lang/*/ui.json', {
  eager: true,
  import: 'default',
})

export const messagesByLocale: Record<string, Record<string, any>> = Object.fromEntries(
  Object.entries(files).map(([path, messages]) => [path.split('/')[2], messages])
)

export const TIME_ZONE = 'Asia/Shanghai'

function partsInShanghai(date: Date) {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    weekday: 'short',
    hourCycle: 'h23',
  }).formatToParts(date)
  const get = (type: string) => parts.find((part) => part.type === type)?.value ?? ''
  const weekdayIndex = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday'))
  return {
    date: `${get('year')}/${get('month')}/${get('day')}`,
    time: `${get('hour')}:${get('minute')}:${get('second')}`,
    weekdayIndex,
  }
}

/** Date, time and weekday as the old system's top bar shows them, in Asia/Shanghai. */
export function shanghaiClock(date: Date) {
  return partsInShanghai(date)
}

/** A timestamp as "YYYY-MM-DD HH:mm:ss" in Asia/Shanghai. */
export function formatDateTime(iso: string) {
  const { date, time } = partsInShanghai(new Date(iso))
  return `${date.replaceAll('/', '-')} ${time}`
}
