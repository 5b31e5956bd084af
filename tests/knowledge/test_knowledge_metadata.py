import pandas as pd
import pytest

from causalkit.exceptions import InvalidInputError, UnknownNodeError
from causalkit.knowledge import VariableInfo, VariableMetadata, read_codebook, variable_metadata


def test_from_dict_with_descriptions_and_units():
    meta = variable_metadata({"age": "age in years", "income": {"Description": "yearly income", "unit": "USD"}, "z": None})
    assert meta.names == ("age", "income", "z")
    assert meta["income"].label() == "income (yearly income, in USD)"
    assert meta["age"].label() == "age (age in years)"
    assert meta["z"].label() == "z"


def test_codebook_csv_and_frame(tmp_path):
    path = tmp_path / "book.csv"
    pd.DataFrame({"Variable": ["a", "b"], "Label": ["alpha", ""], "Units": ["kg", ""]}).to_csv(path, index=False)
    meta = variable_metadata(str(path))
    assert meta["a"] == VariableInfo("a", "alpha", "kg")
    assert meta["b"] == VariableInfo("b", "", "")
    assert read_codebook(pd.read_csv(path, keep_default_na=False)).names == ("a", "b")
    with pytest.raises(InvalidInputError, match="no name column"):
        read_codebook(pd.DataFrame({"x": [1]}))


def test_dataframe_attrs():
    df = pd.DataFrame({"wage": [1.0], "educ": [2.0], "exper": [3.0]})
    df.attrs["descriptions"] = {"wage": "hourly wage"}
    df.attrs["units"] = {"wage": "USD", "unknown_column": "ignored"}
    df.attrs["variables"] = {"educ": {"description": "years of schooling", "unit": "years"}}
    meta = variable_metadata(df)
    assert meta.names == ("wage", "educ", "exper")
    assert meta["wage"].label() == "wage (hourly wage, in USD)"
    assert meta["educ"].unit == "years"
    assert meta["exper"].description == ""


def test_overrides_subset_and_errors():
    meta = variable_metadata(["a", "b", "c"], {"b": "beta"})
    assert meta["b"].short() == "beta" and meta["a"].short() == "a"
    assert meta.subset(["c", "a"]).names == ("c", "a")
    assert meta.with_names(["a", "new"]).names == ("a", "new")
    with pytest.raises(UnknownNodeError, match="'q'"):
        meta["q"]
    with pytest.raises(UnknownNodeError):
        variable_metadata(["a"], {"q": "x"})
    with pytest.raises(InvalidInputError, match="twice"):
        VariableMetadata((VariableInfo("a"), VariableInfo("a")))
    with pytest.raises(InvalidInputError):
        variable_metadata(42)
    assert list(meta.to_frame().columns) == ["name", "description", "unit"]
