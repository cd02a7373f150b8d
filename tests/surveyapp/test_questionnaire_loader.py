"""Storing questionnaire versions: created once, unchanged reloads are no-ops, used versions never change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from surveyapp.config import PROJECT_ROOT
from surveyapp.datafiles import DefinitionError
from surveyapp.db import db
from surveyapp.questionnaires.loader import current_version, load_directory
from surveyapp.questionnaires.models import Instrument, QuestionnaireVersion

SURVEYS = PROJECT_ROOT / "surveys"


@pytest.fixture
def surveys_copy(tmp_path: Path) -> Path:
    target = tmp_path / "surveys"
    shutil.copytree(SURVEYS, target)
    return target


def version_count() -> int:
    return db.session.scalar(select(func.count()).select_from(QuestionnaireVersion))


def test_first_load_creates_each_version_and_reload_changes_nothing(app, surveys_copy):
    with app.app_context():
        first = load_directory(surveys_copy)
        db.session.commit()
        assert {(r.instrument, r.version, r.outcome) for r in first} == {
            ("sipas", 1, "created"),
            ("sipas", 2, "created"),
            ("rating", 1, "created"),
            ("rating", 2, "created"),
            ("case", 1, "created"),
        }
        stored = current_version("sipas")
        assert stored.definition.title.get("vi") == "Đánh giá sự hài lòng về sự phục vụ hành chính"
        assert stored.instrument.title["en"] == "Satisfaction with administrative services"
        loaded_at = stored.loaded_at

        again = load_directory(surveys_copy)
        db.session.commit()
        assert {r.outcome for r in again} == {"unchanged"}
        assert version_count() == 5
        assert current_version("sipas").loaded_at == loaded_at


def test_comments_and_layout_changes_alone_leave_a_version_unchanged(app, surveys_copy):
    path = surveys_copy / "rating-v1.toml"
    with app.app_context():
        load_directory(surveys_copy)
        db.session.commit()
        path.write_text("# reformatted\n\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
        assert {r.outcome for r in load_directory(surveys_copy)} == {"unchanged"}


def test_a_changed_unused_version_is_replaced(app, surveys_copy):
    path = surveys_copy / "rating-v2.toml"
    with app.app_context():
        load_directory(surveys_copy)
        db.session.commit()
        path.write_text(
            path.read_text(encoding="utf-8").replace("Đánh giá nhanh", "Đánh giá một chạm"), encoding="utf-8"
        )
        outcomes = {r.instrument: r.outcome for r in load_directory(surveys_copy)}
        db.session.commit()
        assert outcomes["rating"] == "replaced"
        assert current_version("rating").definition.title.get("vi") == "Đánh giá một chạm"


def test_a_changed_used_version_is_refused_and_a_new_version_is_accepted(loaded_app, loaded_client, surveys_copy):
    from tests.helpers import form_of

    page = loaded_client.get("/k/ttpv-quynh-nhai-tong-hop/survey?field=land")
    _, hidden = form_of(page.get_data(as_text=True))
    posted = loaded_client.post("/k/ttpv-quynh-nhai-tong-hop/survey?field=land", data={**hidden, "q-rating": "3"})
    assert posted.status_code == 303
    path = surveys_copy / "rating-v2.toml"
    changed = path.read_text(encoding="utf-8").replace('en = "Quick rating"', 'en = "One-tap rating"')
    path.write_text(changed, encoding="utf-8")
    with loaded_app.app_context():
        with pytest.raises(DefinitionError) as caught:
            load_directory(surveys_copy)
        db.session.rollback()
        assert "rating v2 already has 1 response(s) and cannot change" in str(caught.value)
        assert "new version number" in str(caught.value)

        path.unlink()
        (surveys_copy / "rating-v3.toml").write_text(changed.replace("version = 2", "version = 3"), encoding="utf-8")
        outcomes = {(r.instrument, r.version): r.outcome for r in load_directory(surveys_copy)}
        db.session.commit()
        assert outcomes["rating", 3] == "created"
        assert current_version("rating").version == 3
        assert db.session.scalar(select(Instrument.title).where(Instrument.code == "rating"))["en"] == "One-tap rating"


def test_one_bad_file_stores_nothing(app, surveys_copy):
    (surveys_copy / "zz-broken.toml").write_text('format = 1\ninstrument = "broken"\n', encoding="utf-8")
    with app.app_context():
        with pytest.raises(DefinitionError) as caught:
            load_directory(surveys_copy)
        db.session.rollback()
        assert caught.value.source == "zz-broken.toml"
        assert version_count() == 0
