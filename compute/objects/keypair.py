"""Nova's ``KeyPair``: a user's public key, by name.

Version history:
1.0 - initial
"""

from __future__ import annotations

from typing import Any

from common.objects import (
    ObjectListBase,
    ObjectRegistry,
    VersionedObject,
    fields,
    remotable,
    remotable_classmethod,
)
from compute import exception
from compute.objects.base import db as _db
from compute.objects.base import set_from_row

KEYPAIR_TYPES = ("ssh", "x509")


@ObjectRegistry.register
class KeyPair(VersionedObject):
    OBJ_NAMESPACE = "compute"
    VERSION = "1.0"
    fields = {
        "id": fields.IntegerField(),
        "name": fields.StringField(),
        "user_id": fields.StringField(),
        "fingerprint": fields.StringField(nullable=True),
        "public_key": fields.StringField(nullable=True),
        "type": fields.EnumField(KEYPAIR_TYPES, default="ssh"),
        "created_at": fields.DateTimeField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
    }

    @classmethod
    def _from_db_object(cls, context: Any, keypair: KeyPair, row: Any) -> KeyPair:
        set_from_row(keypair, row)
        keypair._context = context
        keypair.obj_reset_changes()
        return keypair

    @remotable_classmethod
    def get_by_name(cls, context: Any, user_id: str, name: str) -> KeyPair:
        """The user's key pair; another user's (for a non-admin) -> KeypairNotFound."""
        return cls._from_db_object(context, cls(), _db().key_pair_get(context, user_id, name))

    @remotable_classmethod
    def destroy_by_name(cls, context: Any, user_id: str, name: str) -> None:
        _db().key_pair_destroy(context, user_id, name)

    @remotable
    def create(self, context: Any) -> None:
        if self.obj_attr_is_set("id"):
            raise exception.ObjectActionError(action="create", reason="already created")
        self.obj_set_defaults("type")
        row = _db().key_pair_create(context, self.obj_get_changes())
        self._from_db_object(context, self, row)

    @remotable
    def destroy(self, context: Any) -> None:
        _db().key_pair_destroy(context, self.user_id, self.name)


@ObjectRegistry.register
class KeyPairList(ObjectListBase):
    OBJ_NAMESPACE = "compute"
    VERSION = "1.0"
    fields = {"objects": fields.ListOfObjectsField("KeyPair")}

    @remotable_classmethod
    def get_by_user(
        cls, context: Any, user_id: str, limit: int | None = None, marker: str | None = None
    ) -> KeyPairList:
        """The user's key pairs by name, one page after ``marker`` (a key pair name)."""
        rows = _db().key_pair_get_all_by_user(context, user_id, limit, marker)
        result = cls(context)
        result.objects = [KeyPair._from_db_object(context, KeyPair(), row) for row in rows]
        result.obj_reset_changes()
        return result

    @remotable_classmethod
    def get_count_by_user(cls, context: Any, user_id: str) -> int:
        return _db().key_pair_count_by_user(context, user_id)
