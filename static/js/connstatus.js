// The visible connection state of a board page, and what to do when the server refuses us.

import { announce, h, t } from "./page.js";

/** Keep `el` showing the connection's state; on refusal, explain and link to `recoverUrl`. */
export function showConnection(conn, el, recoverUrl) {
  let wasOnline = false;
  const render = ({ state, code }) => {
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
    el.replaceChildren(h("span", { class: "conn-text" }, t(`conn.${state}`)));
    // The first connection is no news; losing it and getting it back are.
    if (wasOnline) announce(t(`conn.${state}`));
    wasOnline = wasOnline || state === "online";
  };
  render({ state: conn.status, code: null });
  conn.addEventListener("status", (e) => render(e.detail));
}
