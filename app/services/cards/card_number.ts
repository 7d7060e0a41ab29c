/*
| IC card numbers. The piles read a card's 4-byte UID (the DNY swipe frame
| 0x02 carries it as a u32); cards are printed with that UID either as 8 hex
| digits or as its 10-digit decimal form (0000000000 to 4294967295). We
| accept exactly those two forms and store them normalised: upper case, no
| spaces or dashes. A vendor adapter hands swipes over in the form its cards
| are printed in, so both forms stay distinct numbers here.
*/
const HEX_UID = /^[0-9A-F]{8}$/
const DECIMAL_UID = /^\d{10}$/
const MAX_UID = 0xffffffff

/** The stored form of a typed or imported card number, or null when it is not one. */
export function normalizeCardNo(text: string): string | null {
  const cardNo = text.replace(/[\s-]/g, '').toUpperCase()
  if (HEX_UID.test(cardNo)) return cardNo
  if (DECIMAL_UID.test(cardNo) && Number(cardNo) <= MAX_UID) return cardNo
  return null
}
