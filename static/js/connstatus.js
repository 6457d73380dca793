// The visible connection state of a board page, and what to do when the server refuses us.

import { announce, h, t } from "./page.js";

/** Keep `el` showing the connection's state; on refusal, explain and link to `recoverUrl`. */
export function showConnection(conn, el, recoverUrl) {
  let wasOnline = false;
  const render = ({ state, code, quiet = false }) => {
    el.dataset.state = state;
    if (state === "refused") {
      const message = code === "forbidden" ? t("conn.forbidden") : t("conn.unauthorized");
      el.replaceChildren(
        h("span", { class: "conn-text" }, message),
        " ",
        h("a", { href: recoverUrl }, recoverUrl === "/" ? t("conn.to_start") : t("conn.rejoin")),
      );
      announce(message);
      return;
    }
    const waiting = conn.unacked ?? 0;
    el.dataset.waiting = String(waiting);
    const text =
      waiting > 0 && state !== "online"
        ? t("conn.waiting", { state: t(`conn.${state}`), count: waiting })
        : t(`conn.${state}`);
    el.replaceChildren(h("span", { class: "conn-text" }, text));
    // The first connection is no news; losing it and getting it back are.
    if (wasOnline && !quiet) announce(text);
    wasOnline = wasOnline || state === "online";
  };
  render({ state: conn.status, code: null });
  conn.addEventListener("status", (e) => render(e.detail));
  conn.addEventListener("pending", () => {
    if (conn.status !== "refused") render({ state: conn.status, code: null, quiet: true });
  });
}
