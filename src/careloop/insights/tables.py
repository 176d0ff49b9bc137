"""Rollup rows and the change marks that keep them current.

`insight_changes` gets a row (fact, instant) from a database trigger whenever a row a fact is
computed from changes, in the same transaction as the change; the refresh job recomputes
each marked hour of that fact from the base tables and deletes the marks it has consumed.
`insight_rollups` holds, per fact, cube, grain (hour, UTC day or UTC month) and bucket, the
sums of the fact's measures by the cube's dims (d0.. in the cube's order); `insight_histograms`
the counts of duration bins the percentile metrics read, twice: per coarse bin under the
measure's name, and per fine bin under "<measure>@<coarse bin>", so the index reaches the fine
bins of one coarse bin without touching the others.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from careloop.insights.cubes import MAX_CUBE_DIMS
from careloop.storage.base import Base, UTCDateTime

DIM_COLUMNS = tuple(f"d{i}" for i in range(MAX_CUBE_DIMS))
MEASURE_COLUMNS = tuple(f"m{i}" for i in range(8))
# Every coarse bin there can be: 0..9 s, then one significant digit up to 9e9 s (285 years).
COARSE_BINS = (*range(10), *(d * 10**k for k in range(1, 10) for d in range(1, 10)))


def fine_key(measure: str, coarse: int) -> str:
    """The `measure` value of the fine bins of one coarse bin of a duration histogram."""
    return f"{measure}@{coarse}"


def histogram_keys(measures: tuple[str, ...]) -> list[str]:
    """Every `measure` value the histograms of these measures can have (for index lookups)."""
    return [*measures, *(fine_key(m, c) for m in measures for c in COARSE_BINS)]


class InsightChange(Base):
    __tablename__ = "insight_changes"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    fact: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class InsightRollup(Base):
    __tablename__ = "insight_rollups"
    __table_args__ = (Index("ix_insight_rollups_cube", "fact", "cube", "grain", "bucket"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    fact: Mapped[str] = mapped_column(String(20))
    cube: Mapped[int] = mapped_column(Integer)  # index into the fact's cubes
    grain: Mapped[str] = mapped_column(String(1))  # "h" hour, "d" UTC day, "m" UTC month
    bucket: Mapped[datetime] = mapped_column(UTCDateTime())
    d0: Mapped[str | None] = mapped_column(String(64))
    d1: Mapped[str | None] = mapped_column(String(64))
    d2: Mapped[str | None] = mapped_column(String(64))
    d3: Mapped[str | None] = mapped_column(String(64))
    d4: Mapped[str | None] = mapped_column(String(64))
    d5: Mapped[str | None] = mapped_column(String(64))
    d6: Mapped[str | None] = mapped_column(String(64))
    d7: Mapped[str | None] = mapped_column(String(64))
    d8: Mapped[str | None] = mapped_column(String(64))
    d9: Mapped[str | None] = mapped_column(String(64))
    m0: Mapped[int] = mapped_column(BigInteger, default=0)
    m1: Mapped[int] = mapped_column(BigInteger, default=0)
    m2: Mapped[int] = mapped_column(BigInteger, default=0)
    m3: Mapped[int] = mapped_column(BigInteger, default=0)
    m4: Mapped[int] = mapped_column(BigInteger, default=0)
    m5: Mapped[int] = mapped_column(BigInteger, default=0)
    m6: Mapped[int] = mapped_column(BigInteger, default=0)
    m7: Mapped[int] = mapped_column(BigInteger, default=0)


class InsightHistogram(Base):
    __tablename__ = "insight_histograms"
    __table_args__ = (
        Index("ix_insight_histograms_cube", "fact", "measure", "cube", "grain", "bucket"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    fact: Mapped[str] = mapped_column(String(20))
    measure: Mapped[str] = mapped_column(String(30))
    cube: Mapped[int] = mapped_column(Integer)
    grain: Mapped[str] = mapped_column(String(1))
    bucket: Mapped[datetime] = mapped_column(UTCDateTime())
    d0: Mapped[str | None] = mapped_column(String(64))
    d1: Mapped[str | None] = mapped_column(String(64))
    d2: Mapped[str | None] = mapped_column(String(64))
    d3: Mapped[str | None] = mapped_column(String(64))
    d4: Mapped[str | None] = mapped_column(String(64))
    d5: Mapped[str | None] = mapped_column(String(64))
    d6: Mapped[str | None] = mapped_column(String(64))
    d7: Mapped[str | None] = mapped_column(String(64))
    d8: Mapped[str | None] = mapped_column(String(64))
    d9: Mapped[str | None] = mapped_column(String(64))
    bin: Mapped[int] = mapped_column(BigInteger)
    n: Mapped[int] = mapped_column(BigInteger)
