import { formatYuan } from '#sdk/money'

/*
| The payer's side of the sandbox: what a rider's phone shows after
| scanning. It stands for the provider's own page, so its few words live
| here rather than in the admin's language files.
*/

const RESULTS = {
  paid: '支付成功，可以关闭此页面',
  cancelled: '已取消支付',
  unavailable: '订单已关闭或已过期',
  notFound: '订单不存在',
} as const

const BACK = '返回商户'

function escape(text: string) {
  return text.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!
  )
}

function frame(body: string) {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>PileHub 支付沙箱</title>
<style>body{font-family:sans-serif;max-width:420px;margin:40px auto;padding:0 16px;text-align:center}
.amount{font-size:40px;margin:16px 0}button{font-size:18px;padding:10px 32px;margin:8px}
.pay{background:#1aad19;color:#fff;border:0;border-radius:6px}</style></head>
<body><p>PileHub 支付沙箱（模拟手机支付）</p>${body}</body></html>`
}

export function payerPage(trade: {
  amount: number
  description: string
  status: 'pending' | 'paid' | 'closed'
  expired: boolean
}) {
  if (trade.status === 'paid') return frame(`<h2>${RESULTS.paid}</h2>`)
  if (trade.status === 'closed' || trade.expired) return frame(`<h2>${RESULTS.unavailable}</h2>`)
  return frame(`<p>${escape(trade.description)}</p>
<div class="amount" data-testid="amount">¥${formatYuan(trade.amount)}</div>
<form method="post">
<button class="pay" name="action" value="pay">支付</button>
<button name="action" value="cancel">取消</button>
</form>`)
}

/** With `returnUrl` (an h5 payment), a link back to the merchant's page, as providers offer. */
export function resultPage(result: keyof typeof RESULTS, returnUrl: string | null = null) {
  const back = returnUrl ? `<p><a href="${escape(returnUrl)}">${BACK}</a></p>` : ''
  return frame(`<h2>${RESULTS[result]}</h2>${back}`)
}
