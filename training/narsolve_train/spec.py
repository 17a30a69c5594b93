"""The declarative algorithm specs in training/specs/: the single source of truth that training,
export, the manifest and the TypeScript encoders all read."""
import json
from pathlib import Path

SPECS = Path(__file__).resolve().parent.parent / "specs"


def load_spec(name: str) -> dict:
    with open(SPECS / f"{name}.json", encoding="utf-8") as f:
        return json.load(f)
