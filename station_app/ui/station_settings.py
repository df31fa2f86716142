"""The station's settings (administrators only): who decides, mediates and seals on the
station's documents, the on-site response promise per area, the art. 17 thresholds of the
frequent-filer flag, a second folder for the daily backup, and the screen lock after idle
minutes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from station_app.account_rules import (
    DEFAULT_IDLE_LOCK_MINUTES,
    IDLE_LOCK_SETTING,
    MAX_IDLE_LOCK_MINUTES,
)
from station_app.acting_bodies import (
    AUTHORITY_NAME,
    AUTHORITY_PREFIX,
    COURT_NAME,
    MEDIATOR_KIND,
    MEDIATOR_KIND_LABELS,
    MEDIATOR_NAME,
    MediatorKind,
)
from station_app.backup import SECOND_FOLDER_SETTING, daily_backup
from station_app.case_actions import promise_minutes, promise_setting
from station_app.city_reference import SOURCE_CITY, EffectiveSetting
from station_app.domain import PromiseArea, User
from station_app.flags import (
    FREQUENT_COUNT_SETTING,
    FREQUENT_DAYS_SETTING,
    flag_settings,
)
from station_app.i18n import N_, _
from station_app.store import Store
from station_app.store.accounts import idle_lock_setting
from station_app.store.station_settings import effective_acting_settings, save_acting_settings
from station_app.ui.errors import show_error
from station_app.ui.field_problem import FieldSlot, ProblemLabel
from station_app.ui.permissions import may_change_settings
from station_app.ui.tasks import Change, TaskContext, TaskRunner, run_with_progress
from station_app.ui.window_fit import fit_window


@dataclass(frozen=True)
class NumberSetting:
    """One whole-number setting: its key, caption and the range a clerk may choose from."""

    key: str
    caption: str  # marked with N_(), translated when shown
    lowest: int
    highest: int


# Ranges wide enough for any station, narrow enough to catch a typo (300 for 30).
PROMISE_TOWN = NumberSetting(
    promise_setting(PromiseArea.TOWN), N_("In town: on the scene within (minutes)"), 1, 240
)
PROMISE_TOWNSHIP = NumberSetting(
    promise_setting(PromiseArea.TOWNSHIP),
    N_("In a township: on the scene within (minutes)"),
    1,
    240,
)
FREQUENT_COUNT = NumberSetting(FREQUENT_COUNT_SETTING, N_("Complaints by one person"), 2, 100)
FREQUENT_DAYS = NumberSetting(FREQUENT_DAYS_SETTING, N_("Within (days)"), 1, 365)
IDLE_LOCK = NumberSetting(
    IDLE_LOCK_SETTING, N_("Lock the screen after idle minutes (0: never)"), 0, MAX_IDLE_LOCK_MINUTES
)
SETTINGS = (PROMISE_TOWN, PROMISE_TOWNSHIP, FREQUENT_COUNT, FREQUENT_DAYS, IDLE_LOCK)


@dataclass(frozen=True)
class StationSettings:
    promise_town: int
    promise_township: int
    frequent_count: int
    frequent_days: int
    second_backup_folder: str = ""
    acting: dict[str, str] | None = None  # acting_bodies keys -> values in force
    # the same keys with their source; a locked one is the city office's to set
    acting_sources: dict[str, EffectiveSetting] | None = None
    idle_lock: int = DEFAULT_IDLE_LOCK_MINUTES

    def locked_keys(self) -> set[str]:
        return {key for key, item in (self.acting_sources or {}).items() if item.locked}

    def values(self) -> dict[str, int]:
        return {
            PROMISE_TOWN.key: self.promise_town,
            PROMISE_TOWNSHIP.key: self.promise_township,
            FREQUENT_COUNT.key: self.frequent_count,
            FREQUENT_DAYS.key: self.frequent_days,
            IDLE_LOCK.key: self.idle_lock,
        }


def read_station_settings(store: Store) -> StationSettings:
    """The settings in force (the defaults where none was saved), read on the worker."""
    flags = flag_settings(store)
    effective = effective_acting_settings(store)
    return StationSettings(
        promise_minutes(store, PromiseArea.TOWN),
        promise_minutes(store, PromiseArea.TOWNSHIP),
        flags.frequent_count,
        flags.frequent_days,
        store.get_setting(SECOND_FOLDER_SETTING, "") or "",
        {key: item.value for key, item in effective.items()},
        effective,
        idle_lock_setting(store),
    )


def check_backup_folder(text: str) -> str | None:
    """None when acceptable (empty: no second folder), else what to write instead."""
    text = text.strip()
    if text and not Path(text).is_absolute():
        return _(
            "Second backup folder: choose a whole path, e.g. E:\\station-backups on a USB stick."
        )
    return None


# The text fields of the acting bodies, in the order shown.
ACTING_TEXTS = (
    (AUTHORITY_NAME, N_("Deciding authority"), N_("e.g. 瑞昌市市场监督管理局码头市场监督管理所")),
    (AUTHORITY_PREFIX, N_("Its number prefix"), N_("e.g. 瑞市监消")),
    (MEDIATOR_NAME, N_("Mediating organisation"), N_("e.g. 码头镇消费者投诉站")),
    (COURT_NAME, N_("Court of the joint mediation centre"), N_("e.g. 瑞昌市人民法院")),
)


def save_station_settings(
    store: Store, values: dict[str, int | str], acting: dict[str, str] | None = None, actor=None
) -> None:
    """All settings or none."""
    with store.transaction(actor=actor):
        for key, value in values.items():
            store.set_setting(key, str(value))
        if acting:
            save_acting_settings(store, acting, actor=actor or "")


def check_number(setting: NumberSetting, text: str) -> tuple[int | None, str | None]:
    """(number, None), or (None, what to write instead)."""
    text = text.strip()
    if not text.isdigit():
        return None, _("{field}: write a whole number from {low} to {high}.").format(
            field=_(setting.caption), low=setting.lowest, high=setting.highest
        )
    number = int(text)
    if not setting.lowest <= number <= setting.highest:
        return None, _("{field}: {value} is not between {low} and {high}.").format(
            field=_(setting.caption), value=number, low=setting.lowest, high=setting.highest
        )
    return number, None


class StationSettingsDialog(QDialog):
    """Reads the settings on the worker, checks what is typed and saves it on the worker."""

    saved = Signal(object)  # dict[str, int]

    def __init__(self, tasks: TaskRunner, user: User, parent: QWidget | None = None):
        super().__init__(parent)
        if not may_change_settings(user):
            raise PermissionError("only an administrator may change the station's settings")
        self.tasks = tasks
        self.user = user
        self.loaded: StationSettings | None = None
        self.busy = False
        self.setWindowTitle(_("Station settings"))
        self.setMinimumWidth(640)
        self.problems = ProblemLabel()
        self.edits: dict[str, QLineEdit] = {}
        self.slots: dict[str, FieldSlot] = {}

        acting_box = QGroupBox(_("Who decides, mediates and seals"))
        acting_form = QFormLayout(acting_box)
        self.acting_edits: dict[str, QLineEdit] = {}
        self.acting_slots: dict[str, FieldSlot] = {}
        for key, caption, example in ACTING_TEXTS:
            edit = QLineEdit()
            edit.setEnabled(False)
            edit.setPlaceholderText(_(example))
            self.acting_edits[key] = edit
            self.acting_slots[key] = FieldSlot(edit)
            acting_form.addRow(_(caption), self.acting_slots[key])
            if key == AUTHORITY_PREFIX:
                self.mediator_kind = QComboBox()
                self.mediator_kind.setEnabled(False)
                for kind in MediatorKind:
                    self.mediator_kind.addItem(_(MEDIATOR_KIND_LABELS[kind]), kind.value)
        acting_form.insertRow(3, _("Kind of mediating organisation"), self.mediator_kind)
        acting_note = QLabel(
            _(
                "Decisions are issued and sealed by the deciding authority. Only a people's "
                "mediation committee cites the People's Mediation Law; an entrusted consumer "
                "association mediates in the authority's name."
            )
        )
        acting_note.setWordWrap(True)
        acting_note.setStyleSheet("color: #555;")
        acting_form.addRow(acting_note)
        # Shown when the city office sets some of these and does not let the station change them.
        self.city_note = QLabel()
        self.city_note.setWordWrap(True)
        self.city_note.setStyleSheet("color: #8a5a00;")
        self.city_note.hide()
        acting_form.addRow(self.city_note)

        promise_box = QGroupBox(_("On-site response"))
        promise_form = QFormLayout(promise_box)
        promise_form.addRow(_(PROMISE_TOWN.caption), self._field(PROMISE_TOWN))
        promise_form.addRow(_(PROMISE_TOWNSHIP.caption), self._field(PROMISE_TOWNSHIP))
        promise_note = QLabel(
            _(
                "The public promise: 15 minutes in town, 30 in the townships, counted from the "
                "moment the case is received (the phone call). The dispatch says where the "
                "scene is; each arrival records whether the promise was kept."
            )
        )
        promise_note.setWordWrap(True)
        promise_note.setStyleSheet("color: #555;")
        promise_form.addRow(promise_note)

        flags_box = QGroupBox(_("Many complaints in a short time (Order No. 121, art. 17)"))
        flags_form = QFormLayout(flags_box)
        flags_form.addRow(_(FREQUENT_COUNT.caption), self._field(FREQUENT_COUNT))
        flags_form.addRow(_(FREQUENT_DAYS.caption), self._field(FREQUENT_DAYS))
        flags_note = QLabel(
            _(
                "A complainant with this many complaints within these days is flagged, never blocked."
            )
        )
        flags_note.setWordWrap(True)
        flags_note.setStyleSheet("color: #555;")
        flags_form.addRow(flags_note)

        backup_box = QGroupBox(_("Backups and the screen lock"))
        backup_form = QFormLayout(backup_box)
        self.backup_folder = QLineEdit()
        self.backup_folder.setEnabled(False)
        self.backup_folder.setPlaceholderText(_("none (only the data folder's backups)"))
        choose = QPushButton(_("Choose…"))
        choose.setAutoDefault(False)
        choose.clicked.connect(self._choose_backup_folder)
        chooser = QWidget()
        row = QHBoxLayout(chooser)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.backup_folder, 1)
        row.addWidget(choose)
        self.backup_slot = FieldSlot(chooser)
        backup_form.addRow(_("Second backup folder"), self.backup_slot)
        backup_note = QLabel(
            _(
                "The first start of each day backs the station up in the data folder's "
                "'backups' folder and copies the backup here too (a second drive or a USB stick)."
            )
        )
        backup_note.setWordWrap(True)
        backup_note.setStyleSheet("color: #555;")
        backup_form.addRow(backup_note)
        self.back_up_button = QPushButton(_("Back up now"))
        self.back_up_button.setAutoDefault(False)
        self.back_up_button.clicked.connect(self.back_up_now)
        backup_form.addRow(self.back_up_button)
        backup_form.addRow(_(IDLE_LOCK.caption), self._field(IDLE_LOCK))
        self.last_backup = None

        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton(_("Save"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setDefault(True)
        self.save_button.setEnabled(False)
        cancel = buttons.addButton(_("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setAutoDefault(False)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.problems)
        layout.addWidget(acting_box)
        layout.addWidget(promise_box)
        layout.addWidget(flags_box)
        layout.addWidget(backup_box)
        layout.addWidget(buttons)
        fit_window(self)
        self._load()

    def _field(self, setting: NumberSetting) -> FieldSlot:
        edit = QLineEdit()
        edit.setEnabled(False)  # until the current value is read
        edit.setPlaceholderText(
            _("{low} to {high}").format(low=setting.lowest, high=setting.highest)
        )
        self.edits[setting.key] = edit
        slot = FieldSlot(edit)
        self.slots[setting.key] = slot
        return slot

    def _load(self) -> None:
        self.tasks.submit(
            read_station_settings,
            success=self._loaded,
            owner=self,
            doing=_("reading the station settings"),
        )

    def _loaded(self, settings: StationSettings) -> None:
        self.loaded = settings
        for key, value in settings.values().items():
            self.edits[key].setText(str(value))
            self.edits[key].setEnabled(True)
        self.backup_folder.setText(settings.second_backup_folder)
        self.backup_folder.setEnabled(True)
        acting = settings.acting or {}
        locked = settings.locked_keys()
        city_says = _("set by the city office; this station cannot change it")
        for key, edit in self.acting_edits.items():
            edit.setText(acting.get(key, ""))
            edit.setEnabled(True)
            edit.setReadOnly(key in locked)
            edit.setStyleSheet("background: #ececec; color: #333;" if key in locked else "")
            edit.setToolTip(city_says if key in locked else "")
            item = (settings.acting_sources or {}).get(key)
            if item is not None and item.city_value and key not in locked:
                # The city's value is proposed: left empty, the field takes it.
                edit.setPlaceholderText(item.city_value)
                edit.setToolTip(
                    _("Left empty, this takes the city office's value “{value}”.").format(
                        value=item.city_value
                    )
                )
        index = self.mediator_kind.findData(acting.get(MEDIATOR_KIND) or MediatorKind.STATION.value)
        self.mediator_kind.setCurrentIndex(max(index, 0))
        self.mediator_kind.setEnabled(MEDIATOR_KIND not in locked)
        self.mediator_kind.setToolTip(city_says if MEDIATOR_KIND in locked else "")
        if locked:
            self.city_note.setText(
                _(
                    "The city office sets the grey fields ({fields}) for this station; they can "
                    "be read here but not changed. Ask the city office to change them."
                ).format(fields="、".join(self._caption(key) for key in sorted(locked)))
            )
            self.city_note.show()
        self.save_button.setEnabled(True)
        editable = [e for k, e in self.acting_edits.items() if k not in locked]
        first = editable[0] if editable else self.edits[PROMISE_TOWN.key]
        first.setFocus()
        first.selectAll()

    @staticmethod
    def _caption(key: str) -> str:
        for text_key, caption, _example in ACTING_TEXTS:
            if text_key == key:
                return _(caption)
        if key == MEDIATOR_KIND:
            return _("Kind of mediating organisation")
        return key

    def back_up_now(self) -> None:
        """A backup now, in the data folder and the saved second folder, behind a progress
        dialog (the database worker makes it: an administrator's explicit request)."""
        data_dir = self.tasks.folder.path

        def back_up(store: Store, context: TaskContext):
            return daily_backup(store, data_dir, lambda text: context.report_progress(0, 0, text))

        self.back_up_button.setEnabled(False)
        run_with_progress(
            self.tasks,
            back_up,
            parent=self,
            label=_("Backing up the station…"),
            success=self._backed_up,
            failure=self._backup_failed,
            doing=_("backing up the station"),
        )

    def _backed_up(self, result) -> None:
        self.back_up_button.setEnabled(True)
        self.last_backup = result
        lines = [_("Backup made: {path}").format(path=result.path)]
        if result.second_copy is not None:
            lines.append(_("Copied to {path}").format(path=result.second_copy))
        QMessageBox.information(self, _("Backup"), "\n".join([*lines, *result.warnings]))

    def _backup_failed(self, error: BaseException) -> None:
        self.back_up_button.setEnabled(True)
        show_error(self, error, _("backing up the station"))

    def _choose_backup_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, _("Second backup folder"), self.backup_folder.text()
        )
        if folder:
            self.backup_folder.setText(str(Path(folder)))

    def acting_values(self) -> tuple[dict[str, str], list[str]]:
        """Who acts, as typed, and a message for each value that cannot be used."""
        from station_app.documents.content import printing_problems

        locked = self.loaded.locked_keys() if self.loaded is not None else set()
        sources = (self.loaded.acting_sources or {}) if self.loaded is not None else {}

        def city_value_kept(key: str, text: str) -> bool:
            # The city's value shown and left as it is: not saved as the station's own, so a
            # later change by the city office still reaches this station.
            item = sources.get(key)
            return item is not None and item.source == SOURCE_CITY and text == item.value

        values: dict[str, str] = {}
        kind = str(self.mediator_kind.currentData())
        if MEDIATOR_KIND not in locked and not city_value_kept(MEDIATOR_KIND, kind):
            values[MEDIATOR_KIND] = kind
        problems: list[str] = []
        for key, caption, _example in ACTING_TEXTS:
            if key in locked:
                continue  # the city office's value: never sent back as the station's own
            slot = self.acting_slots[key]
            slot.clear_problem()
            text = self.acting_edits[key].text().strip()
            if city_value_kept(key, text):
                continue
            found = [p.replace(f"“{key}”", f"“{_(caption)}”") for p in printing_problems(key, text)]
            if found:
                problems += found
                slot.show_problem(found[0])
            else:
                values[key] = text
        return values, problems

    def values(self) -> tuple[dict[str, int | str], list[str]]:
        """The typed settings, and a message for each that is not acceptable."""
        values: dict[str, int | str] = {}
        problems: list[str] = []
        for setting in SETTINGS:
            self.slots[setting.key].clear_problem()
            number, problem = check_number(setting, self.edits[setting.key].text())
            if problem is not None:
                problems.append(problem)
                self.slots[setting.key].show_problem(problem)
            else:
                values[setting.key] = number
        self.backup_slot.clear_problem()
        problem = check_backup_folder(self.backup_folder.text())
        if problem is not None:
            problems.append(problem)
            self.backup_slot.show_problem(problem)
        else:
            values[SECOND_FOLDER_SETTING] = self.backup_folder.text().strip()
        return values, problems

    def submit(self) -> None:
        if self.busy or self.loaded is None:
            return
        acting, acting_problems = self.acting_values()
        values, problems = self.values()
        problems = acting_problems + problems
        if problems:
            self.problems.show_problem(
                "\n".join([_("Nothing was saved. Please correct:"), *problems])
            )
            return
        self.problems.clear_problem()
        self.busy = True
        self.save_button.setEnabled(False)

        actor = self.user.username

        def save(store: Store) -> dict[str, int]:
            save_station_settings(store, values, acting, actor=actor)
            return {**values, **acting}

        self.tasks.submit(
            save,
            success=self._saved,
            failure=self._failed,
            changes={Change.STATION},
            owner=self,
            doing=_("saving the station settings"),
        )

    def _saved(self, values: dict[str, int]) -> None:
        self.busy = False
        self.saved.emit(values)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self.save_button.setEnabled(True)
        show_error(self, error, _("saving the station settings"))
