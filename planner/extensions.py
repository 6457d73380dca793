"""Extensions, created once and bound to the app in create_app."""

from __future__ import annotations

import sqlalchemy.orm as so
from flask_babel import Babel
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy


class Base(so.DeclarativeBase):
    pass


# Objects stay readable after commit: events are serialised right after their transaction.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
babel = Babel()
socketio = SocketIO()
