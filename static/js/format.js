// Numbers, money and dates in the page's language (Polish: "12 500 zł", English: "PLN 12,500").

const cache = new Map();

function formatter(lang, options) {
  const key = `${lang}|${JSON.stringify(options)}`;
  if (!cache.has(key)) cache.set(key, new Intl.NumberFormat(lang === "en" ? "en-GB" : "pl-PL", options));
  return cache.get(key);
}

/** "12 500 zł" (pl) or "PLN 12,500.00" (en); grosze only when there are any. */
export function formatMoney(amount, lang) {
  if (amount === null || amount === undefined || Number.isNaN(Number(amount))) return "";
  const whole = Number.isInteger(Number(amount));
  return formatter(lang, {
    style: "currency",
    currency: "PLN",
    minimumFractionDigits: whole ? 0 : 2,
    maximumFractionDigits: 2,
  }).format(Number(amount));
}

export function formatNumber(n, lang) {
  return formatter(lang, {}).format(n);
}

/**
 * Read an amount typed the Polish or the English way: "12 500,50", "12.500", "12,500.50",
 * "12500 zł". Returns a number, null for an empty field, or NaN when it is not an amount.
 */
export function parseMoney(text) {
  const s = String(text ?? "").replace(/zł|pln/gi, "").replace(/[\s\u00a0\u202f']/g, "");
  if (s === "") return null;
  if (!/^\d[\d.,]*$/.test(s) || /[.,]$/.test(s)) return Number.NaN;
  let decimal = null;
  if (s.includes(",") && s.includes(".")) {
    decimal = s.lastIndexOf(",") > s.lastIndexOf(".") ? "," : ".";
  } else {
    const sep = s.includes(",") ? "," : s.includes(".") ? "." : null;
    // One separator with 1–2 digits after it is the decimal one; otherwise it groups thousands.
    if (sep && s.split(sep).length === 2 && s.split(sep)[1].length <= 2) decimal = sep;
  }
  const [whole, fraction = ""] = decimal ? [s.slice(0, s.lastIndexOf(decimal)), s.slice(s.lastIndexOf(decimal) + 1)] : [s, ""];
  if (fraction.length > 2 || /[.,]/.test(fraction)) return Number.NaN;
  const digits = whole.replace(/[.,]/g, "");
  return Number(fraction ? `${digits}.${fraction}` : digits);
}
