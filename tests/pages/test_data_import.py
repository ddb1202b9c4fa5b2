"""The admin's import page: check, report every bad row, then take the whole file."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from data_access.database import Database
from data_access.models import Patient
from domain.vocabulary import Role
from tests.pages.conftest import open_page, texts

HEADER = ("patient_code,clinic_code,first_name,last_name,sex,birth_year,admission_date,"
          "medication,dose_mg,phase,primary_substance\n")
GOOD = HEADER + ("IMP-1,PGT,Test,Demo-One,M,1980,2026-01-10,methadone,80,maintenance,heroin\n"
                 "IMP-2,PGT,Test,Demo-Two,F,1990,2026-02-10,buprenorphine,12,induction,opium\n")
BAD = GOOD + "IMP-3,PGT,Test,Demo-Three,M,1985,2026-03-01,methadone,900,maintenance,heroin\n"


def patients(database: Database) -> int:
    with database.sessions() as session:
        return session.scalar(select(func.count()).select_from(Patient)) or 0


def upload(at: AppTest, content: str) -> AppTest:
    at.selectbox(key="import_kind").select("patients").run()
    at.file_uploader(key="import_file").upload("patients.csv", content.encode(), "text/csv")
    return at.run()


def test_bad_row_is_reported_and_nothing_is_written(signed_in: Callable[[Role], AppTest],
                                                    database: Database) -> None:
    at = upload(open_page(signed_in(Role.ADMIN), "pages/data_import.py"), BAD)
    at.button(key="import_run").click().run()
    assert not at.exception
    assert "nothing was written" in texts(at)
    errors = next(df.value for df in at.dataframe if "Problem" in df.value.columns)
    assert list(errors["Row"]) == [4] and list(errors["Column"]) == ["dose_mg"]
    assert patients(database) == 0


def test_check_then_import_a_good_file(signed_in: Callable[[Role], AppTest],
                                       database: Database) -> None:
    at = upload(open_page(signed_in(Role.ADMIN), "pages/data_import.py"), GOOD)
    at.button(key="import_check").click().run()
    assert "The file is valid. It would give: inserted 2, updated 0, unchanged 0." in texts(at)
    assert patients(database) == 0
    at.button(key="import_run").click().run()
    assert "Imported: inserted 2, updated 0, unchanged 0." in texts(at)
    assert patients(database) == 2
