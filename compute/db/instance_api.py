"""Instances and what hangs off them (metadata, system metadata, instance_extra).

Rows come back as ``models.Instance`` with one extra attribute, ``attached``: a dict
holding what was loaded alongside in bulk (``metadata``, ``system_metadata`` as dicts,
``extra`` as the ``instance_extra`` row, ``fault`` as the latest fault row), so a page of
1,000 servers costs a handful of queries, never one per server.
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.context import RequestContext
from common.db import exception as db_exc
from common.db.models import utcnow
from common.db.retry import retry_on_db_error
from compute import exception
from compute.db import helpers, models

SOFT_DELETED = "soft-delete"
DELETING = "deleting"

# expected_attrs that come from other tables; "flavor" covers old_flavor/new_flavor.
JOINED = ("metadata", "system_metadata", "flavor", "fault")
COLUMNS = frozenset(models.Instance.column_names())
EXTRA_COLUMNS = ("flavor", "numa_topology", "pci_requests", "vcpu_model", "keypairs")

# Nova's filters that match a column exactly (a list value matches any of its items).
EXACT_FILTERS = (
    "project_id",
    "user_id",
    "image_ref",
    "vm_state",
    "task_state",
    "instance_type_id",
    "uuid",
    "host",
    "node",
    "reservation_id",
    "key_name",
    "availability_zone",
    "locked",
    "launch_index",
    "power_state",
    "config_drive",
)
REGEX_FILTERS = {"name": "display_name", "display_name": "display_name", "hostname": "hostname"}
FILTER_ALIASES = {"image": "image_ref", "flavor": "instance_type_id"}


# -- loading --------------------------------------------------------------------------------
def _key_values(rows: Iterable[Any]) -> dict[str, dict[str, str]]:
    result: dict[str, dict[str, str]] = {}
    for row in rows:
        result.setdefault(row.instance_uuid, {})[row.key] = row.value
    return result


def _children(session: Session, model: type, instances: Sequence[models.Instance]) -> list[Any]:
    """Rows of ``model`` for the instances: live ones for live instances, and for deleted
    instances the rows deleted together with them (same ``deleted_at``)."""
    live = [i.uuid for i in instances if not i.deleted]
    gone = {i.uuid: i.deleted_at for i in instances if i.deleted}
    rows: list[Any] = []
    for chunk in helpers.chunks(live):
        stmt = sa.select(model).where(model.instance_uuid.in_(chunk), model.deleted == 0)
        rows += session.execute(stmt.order_by(model.id)).scalars()
    for chunk in helpers.chunks(list(gone)):
        stmt = sa.select(model).where(model.instance_uuid.in_(chunk), model.deleted != 0)
        rows += (
            r
            for r in session.execute(stmt.order_by(model.id)).scalars()
            if r.deleted_at == gone[r.instance_uuid]
        )
    return rows


def _latest_faults(session: Session, uuids: Sequence[str]) -> dict[str, models.InstanceFault]:
    latest: dict[str, models.InstanceFault] = {}
    for chunk in helpers.chunks(list(uuids)):
        stmt = (
            sa.select(models.InstanceFault)
            .where(models.InstanceFault.instance_uuid.in_(chunk))
            .order_by(models.InstanceFault.created_at, models.InstanceFault.id)
        )
        for row in session.execute(stmt).scalars():
            latest[row.instance_uuid] = row
    return latest


def attach(
    session: Session, instances: Sequence[models.Instance], expected_attrs: Iterable[str]
) -> list[models.Instance]:
    """Load the joined attributes of ``instances`` in bulk (one query per kind)."""
    wanted = set(expected_attrs or ())
    for instance in instances:
        if not hasattr(instance, "attached"):
            instance.attached = {}
    if not instances:
        return list(instances)
    if "metadata" in wanted:
        found = _key_values(_children(session, models.InstanceMetadata, instances))
        for i in instances:
            i.attached["metadata"] = found.get(i.uuid, {})
    if "system_metadata" in wanted:
        found = _key_values(_children(session, models.InstanceSystemMetadata, instances))
        for i in instances:
            i.attached["system_metadata"] = found.get(i.uuid, {})
    if "flavor" in wanted:
        extras = {r.instance_uuid: r for r in _children(session, models.InstanceExtra, instances)}
        for i in instances:
            i.attached["extra"] = extras.get(i.uuid)
    if "fault" in wanted:
        faults = _latest_faults(session, [i.uuid for i in instances])
        for i in instances:
            i.attached["fault"] = faults.get(i.uuid)
    return list(instances)


def _by_uuid(
    session: Session, ctxt: RequestContext, instance_uuid: str, read_deleted: str | None = None
) -> models.Instance:
    mode = read_deleted or ctxt.read_deleted or "no"
    stmt = sa.select(models.Instance).where(models.Instance.uuid == instance_uuid)
    if mode == "no":
        stmt = stmt.where(models.Instance.deleted == 0)
    elif mode == "only":
        stmt = stmt.where(models.Instance.deleted != 0)
    if not ctxt.is_admin and ctxt.project_id is not None:
        stmt = stmt.where(models.Instance.project_id == ctxt.project_id)
    row = helpers.first(session, stmt)
    if row is None:
        raise exception.InstanceNotFound(instance_id=instance_uuid)
    return row


@retry_on_db_error
def instance_get_by_uuid(
    ctxt: RequestContext, instance_uuid: str, expected_attrs: Iterable[str] = ()
) -> models.Instance:
    """A server by uuid; a non-admin context sees only its own project's."""
    with helpers.facade().reader() as session:
        row = _by_uuid(session, ctxt, instance_uuid)
        return attach(session, [row], expected_attrs)[0]


@retry_on_db_error
def instance_get(
    ctxt: RequestContext, instance_id: int, expected_attrs: Iterable[str] = ()
) -> models.Instance:
    with helpers.facade().reader() as session:
        stmt = sa.select(models.Instance).where(models.Instance.id == instance_id)
        if (ctxt.read_deleted or "no") == "no":
            stmt = stmt.where(models.Instance.deleted == 0)
        if not ctxt.is_admin and ctxt.project_id is not None:
            stmt = stmt.where(models.Instance.project_id == ctxt.project_id)
        row = helpers.first(session, stmt)
        if row is None:
            raise exception.InstanceNotFound(instance_id=instance_id)
        return attach(session, [row], expected_attrs)[0]


# -- writing ----------------------------------------------------------------------------------
def _set_key_values(
    session: Session, model: type, instance_uuid: str, values: dict[str, Any]
) -> None:
    """Make the live rows of ``model`` equal ``values``: soft-delete keys that went away,
    update changed values, insert new keys."""
    now = utcnow()
    rows = session.execute(
        sa.select(model).where(model.instance_uuid == instance_uuid, model.deleted == 0)
    ).scalars()
    seen = set()
    for row in rows:
        if row.key in values and row.key not in seen:
            seen.add(row.key)
            if row.value != values[row.key]:
                row.value = values[row.key]
        else:
            row.deleted, row.deleted_at = row.id, now
    for key, value in values.items():
        if key not in seen:
            session.add(model(instance_uuid=instance_uuid, key=key, value=value))


def _insert(session: Session, values: dict[str, Any]) -> models.Instance:
    values = dict(values)
    metadata = values.pop("metadata", None) or {}
    system_metadata = values.pop("system_metadata", None) or {}
    extra = values.pop("extra", None) or {}
    unknown = set(values) - COLUMNS
    if unknown:
        raise exception.Invalid(reason=f"unknown instance columns {sorted(unknown)}")
    row = models.Instance(**values)
    if not row.uuid:
        row.uuid = str(uuidlib.uuid4())
    session.add(row)
    for key, value in metadata.items():
        session.add(models.InstanceMetadata(instance_uuid=row.uuid, key=key, value=value))
    for key, value in system_metadata.items():
        session.add(models.InstanceSystemMetadata(instance_uuid=row.uuid, key=key, value=value))
    extra_row = models.InstanceExtra(instance_uuid=row.uuid, **extra)
    session.add(extra_row)
    try:
        session.flush()
    except db_exc.DBDuplicateEntry as error:
        raise exception.InstanceExists(name=row.uuid) from error
    row.attached = {
        "metadata": dict(metadata),
        "system_metadata": dict(system_metadata),
        "extra": extra_row,
        "fault": None,
    }
    return row


@retry_on_db_error
def instance_create(ctxt: RequestContext, values: dict[str, Any]) -> models.Instance:
    """Insert a server with its ``metadata``, ``system_metadata`` and ``extra`` (the
    ``instance_extra`` columns, e.g. ``flavor`` as JSON)."""
    try:
        with helpers.facade().writer() as session:
            return _insert(session, values)
    except db_exc.DBDuplicateEntry as error:
        raise exception.InstanceExists(name=values.get("uuid")) from error


@retry_on_db_error
def instance_create_many_with_quota(
    ctxt: RequestContext,
    values_list: Sequence[dict[str, Any]],
    project_id: str,
    user_id: str | None,
    min_count: int | None = None,
) -> list[models.Instance]:
    """Count the project's usage and insert the servers in one transaction that holds the
    project's quota lock, so concurrent requests cannot both see room for the last slot.

    When not all fit, as many as fit are created if that is at least ``min_count``;
    otherwise ``TooManyInstances`` is raised and nothing is created.
    """
    from compute import quota
    from compute.db import quota_api

    quota_api.ensure_project_lock_row(project_id)
    with helpers.facade().writer() as session:
        quota_api.lock_project(session, project_id)
        limits = quota_api.effective_limits(session, project_id, user_id)
        count = quota.fitting_count(
            values_list,
            min_count if min_count is not None else len(values_list),
            lambda: quota_api.count_instances(session, project_id, user_id),
            limits,
        )
        rows = [_insert(session, values) for values in values_list[:count]]
        quota_api.record_usage(session, project_id)
        return rows


def _conditions(expected: dict[str, Any]) -> list[sa.ColumnElement]:
    conditions = []
    for name, wanted in expected.items():
        values = list(wanted) if isinstance(wanted, list | tuple | set) else [wanted]
        column = getattr(models.Instance, name)
        options = (
            [column.in_([v for v in values if v is not None])]
            if any(v is not None for v in values)
            else []
        )
        if None in values:
            options.append(column.is_(None))
        conditions.append(sa.or_(*options) if options else sa.false())
    return conditions


def _conflict(
    row: models.Instance | None, instance_uuid: str, expected: dict[str, Any]
) -> Exception:
    if row is None:
        return exception.InstanceNotFound(instance_id=instance_uuid)
    for name, error_cls in (("task_state", None), ("vm_state", exception.UnexpectedVMStateError)):
        if name not in expected:
            continue
        wanted = expected[name]
        values = list(wanted) if isinstance(wanted, list | tuple | set) else [wanted]
        actual = getattr(row, name)
        if actual in values:
            continue
        if error_cls is None:
            error_cls = (
                exception.UnexpectedDeletingTaskStateError
                if actual == DELETING
                else exception.UnexpectedTaskStateError
            )
        return error_cls(instance_uuid=instance_uuid, expected=values, actual=actual)
    return exception.InstanceNotFound(instance_id=instance_uuid)


@retry_on_db_error
def instance_update(
    ctxt: RequestContext,
    instance_uuid: str,
    values: dict[str, Any],
    expected: dict[str, Any] | None = None,
) -> models.Instance:
    """Change a live server in one compare-and-swap.

    ``expected`` maps ``task_state``/``vm_state`` to the value (or list of values, None
    allowed) the row must still have; the UPDATE carries them in its WHERE clause, so of
    two concurrent actions exactly one wins and the other gets
    ``UnexpectedTaskStateError`` (``UnexpectedDeletingTaskStateError`` when the server is
    being deleted) or ``UnexpectedVMStateError``.  ``metadata``, ``system_metadata``
    (whole dicts) and ``extra`` (instance_extra columns) are written in the same
    transaction.
    """
    values = dict(values)
    expected = {k: v for k, v in (expected or {}).items() if k in ("task_state", "vm_state")}
    metadata = values.pop("metadata", None)
    system_metadata = values.pop("system_metadata", None)
    extra = values.pop("extra", None)
    unknown = set(values) - COLUMNS
    if unknown:
        raise exception.Invalid(reason=f"unknown instance columns {sorted(unknown)}")
    values.setdefault("updated_at", utcnow())
    with helpers.facade().writer() as session:
        stmt = (
            sa.update(models.Instance)
            .where(models.Instance.uuid == instance_uuid, models.Instance.deleted == 0)
            .where(*_conditions(expected))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if session.execute(stmt).rowcount != 1:
            current = helpers.first(
                session,
                sa.select(models.Instance).where(
                    models.Instance.uuid == instance_uuid, models.Instance.deleted == 0
                ),
            )
            raise _conflict(current, instance_uuid, expected)
        if metadata is not None:
            _set_key_values(session, models.InstanceMetadata, instance_uuid, metadata)
        if system_metadata is not None:
            _set_key_values(session, models.InstanceSystemMetadata, instance_uuid, system_metadata)
        if extra:
            session.execute(
                sa.update(models.InstanceExtra)
                .where(
                    models.InstanceExtra.instance_uuid == instance_uuid,
                    models.InstanceExtra.deleted == 0,
                )
                .values(**extra, updated_at=utcnow())
                .execution_options(synchronize_session=False)
            )
        session.flush()
        row = _by_uuid(session, ctxt.elevated(), instance_uuid, read_deleted="no")
        session.refresh(row)
        attached: list[str] = []
        if metadata is not None:
            attached.append("metadata")
        if system_metadata is not None:
            attached.append("system_metadata")
        return attach(session, [row], attached)[0]


@retry_on_db_error
def instance_destroy(
    ctxt: RequestContext, instance_uuid: str, host_constraint: Sequence[str | None] | None = None
) -> models.Instance:
    """Soft-delete a server and its metadata, system metadata, extra and faults (all with
    the same ``deleted_at``, which is how they are found again for a deleted server).

    ``host_constraint``: the server must still be on one of these hosts (None = not
    scheduled), else ``ObjectActionError`` — it moved while we decided to delete it.
    """
    now = utcnow()
    with helpers.facade().writer() as session:
        row = _by_uuid(session, ctxt, instance_uuid, read_deleted="no")
        if host_constraint is not None and row.host not in list(host_constraint):
            raise exception.ObjectActionError(action="destroy", reason="host changed")
        row.deleted, row.deleted_at, row.updated_at = row.id, now, now
        for model in (
            models.InstanceMetadata,
            models.InstanceSystemMetadata,
            models.InstanceExtra,
            models.InstanceFault,
        ):
            session.execute(
                sa.update(model)
                .where(model.instance_uuid == instance_uuid, model.deleted == 0)
                .values(deleted=model.id, deleted_at=now)
                .execution_options(synchronize_session=False)
            )
        session.flush()
        row.attached = {}
        return row


# -- queries ----------------------------------------------------------------------------------
def _exact(stmt: sa.Select, name: str, value: Any) -> sa.Select:
    column = getattr(models.Instance, name)
    if isinstance(value, list | tuple | set | frozenset):
        values = list(value)
        if not values:
            return stmt.where(sa.false())
        options = [column.in_([v for v in values if v is not None])]
        if None in values:
            options.append(column.is_(None))
        return stmt.where(sa.or_(*options))
    return stmt.where(column.is_(None) if value is None else column == value)


def _metadata_filter(stmt: sa.Select, value: Any) -> sa.Select:
    items = value if isinstance(value, list) else [value]
    for item in items:
        for key, val in item.items():
            meta = models.InstanceMetadata
            stmt = stmt.where(
                sa.exists().where(
                    meta.instance_uuid == models.Instance.uuid,
                    meta.deleted == 0,
                    meta.key == key,
                    meta.value == str(val),
                )
            )
    return stmt


def _deleted_filter(ctxt: RequestContext, stmt: sa.Select, filters: dict[str, Any]) -> sa.Select:
    instance = models.Instance
    not_soft_deleted = sa.or_(instance.vm_state != SOFT_DELETED, instance.vm_state.is_(None))
    if "deleted" in filters:
        if filters["deleted"]:
            if filters.get("soft_deleted", True):
                return stmt.where(sa.or_(instance.deleted != 0, instance.vm_state == SOFT_DELETED))
            return stmt.where(instance.deleted != 0)
        stmt = stmt.where(instance.deleted == 0)
        if not filters.get("soft_deleted", False):
            stmt = stmt.where(not_soft_deleted)
        return stmt
    if "changes-since" in filters or "changes-before" in filters:
        return stmt  # a client polling for changes must see deletions
    mode = ctxt.read_deleted or "no"
    if mode == "no":
        return stmt.where(instance.deleted == 0)
    if mode == "only":
        return stmt.where(instance.deleted != 0)
    return stmt


def build_filters(ctxt: RequestContext, filters: dict[str, Any]) -> sa.Select:
    """``SELECT instances`` narrowed by Nova's filters (see ``instance_get_all_by_filters``)."""
    filters = {FILTER_ALIASES.get(k, k): v for k, v in (filters or {}).items()}
    if not ctxt.is_admin:
        # Tenant isolation: whatever the caller asked, only its own project.
        if ctxt.project_id is not None:
            filters["project_id"] = ctxt.project_id
        else:
            filters["user_id"] = ctxt.user_id
    stmt = _deleted_filter(ctxt, sa.select(models.Instance), filters)
    if filters.get("changes-since") is not None:
        stmt = stmt.where(models.Instance.updated_at >= filters["changes-since"])
    if filters.get("changes-before") is not None:
        stmt = stmt.where(models.Instance.updated_at <= filters["changes-before"])
    for name in EXACT_FILTERS:
        if name in filters:
            stmt = _exact(stmt, name, filters[name])
    for name, column in REGEX_FILTERS.items():
        if filters.get(name) is not None:
            stmt = stmt.where(getattr(models.Instance, column).regexp_match(str(filters[name])))
    if filters.get("metadata"):
        stmt = _metadata_filter(stmt, filters["metadata"])
    return stmt


@retry_on_db_error
def instance_get_all_by_filters(
    ctxt: RequestContext,
    filters: dict[str, Any] | None = None,
    sort_keys: list[str] | None = None,
    sort_dirs: list[str] | None = None,
    limit: int | None = None,
    marker: str | None = None,
    expected_attrs: Iterable[str] = (),
) -> list[models.Instance]:
    """Servers matching Nova's filters, sorted, one page after ``marker`` (a uuid).

    Filters: exact ``project_id``, ``user_id``, ``host``, ``node``, ``vm_state``,
    ``task_state``, ``uuid``, ``image``/``image_ref``, ``flavor``/``instance_type_id``,
    ``reservation_id``, ``key_name``, ``availability_zone``, ``locked``... (lists match any
    item); regular expressions ``name``/``display_name`` and ``hostname``; ``metadata``
    (dict, or list of dicts); ``changes-since``/``changes-before`` on ``updated_at``
    (deleted servers included); ``deleted`` True/False (with ``soft_deleted``).  Without
    ``deleted`` or ``changes-since``, the context's ``read_deleted`` decides.  A non-admin
    context only ever sees its own project.  Unknown marker: ``MarkerNotFound``.
    """
    keys, dirs = helpers.process_sort_params(sort_keys, sort_dirs)
    if limit == 0:
        return []
    with helpers.facade().reader() as session:
        marker_row = None
        if marker is not None:
            marker_row = _marker(session, ctxt, marker)
        stmt = helpers.paginate(
            build_filters(ctxt, filters or {}), models.Instance, keys, dirs, marker_row, limit
        )
        rows = list(session.execute(stmt).scalars())
        return attach(session, rows, expected_attrs)


def _marker(session: Session, ctxt: RequestContext, marker: str) -> models.Instance:
    stmt = sa.select(models.Instance).where(models.Instance.uuid == marker)
    if not ctxt.is_admin and ctxt.project_id is not None:
        stmt = stmt.where(models.Instance.project_id == ctxt.project_id)
    row = helpers.first(session, stmt)
    if row is None:
        raise exception.MarkerNotFound(marker=marker)
    return row


@retry_on_db_error
def instance_get_all_by_host(
    ctxt: RequestContext,
    host: str,
    node: str | None = None,
    expected_attrs: Iterable[str] = (),
) -> list[models.Instance]:
    """Live servers on a host (and node): what a nova-compute owns."""
    stmt = sa.select(models.Instance).where(
        models.Instance.host == host, models.Instance.deleted == 0
    )
    if node is not None:
        stmt = stmt.where(models.Instance.node == node)
    with helpers.facade().reader() as session:
        rows = list(session.execute(stmt.order_by(models.Instance.id)).scalars())
        return attach(session, rows, expected_attrs)
