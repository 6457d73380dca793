"""workshop.closed_at: when the workshop was closed (personal-data retention)

Revision ID: 7c3d2e9a1b40
Revises: f5e136a22dc0
Create Date: 2026-11-28 09:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7c3d2e9a1b40"
down_revision = "f5e136a22dc0"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
    # Workshops closed before this release: their retention period starts now.
    op.execute("UPDATE workshop SET closed_at = CURRENT_TIMESTAMP WHERE phase = 'closed'")


def downgrade():
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.drop_column("closed_at")
