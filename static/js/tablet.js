// Entry point of the tablet page (/board/<id>).

import { BoardView } from "./boardview.js";
import { showConnection } from "./connstatus.js";
import { mountFacilitation } from "./facilitation.js";
import { pageData } from "./page.js";
import { Connection } from "./socket.js";
import { BoardState } from "./state.js";

const data = pageData();
const state = new BoardState();
const conn = new Connection(state, data.workshop_id, { me: data.me });
const recoverUrl = data.me?.role === "staff" ? "/" : data.join_url;
showConnection(conn, document.getElementById("conn-status"), recoverUrl);
new BoardView({ root: document.getElementById("main"), state, conn, me: data.me }).start();
mountFacilitation({ state, conn, me: data.me, view: "tablet" });
conn.start();
