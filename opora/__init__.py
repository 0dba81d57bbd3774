"""Опора analytics core: pure functions over polars frames; never imports Django (docs/methodology.md)."""

from opora.aggregate import aggregate_students
from opora.classify import Category, Reason
from opora.config import (
    CategoryRules,
    ContextConfig,
    IdentificationConfig,
    RegressionConfig,
    ResultsIndexConfig,
    load_config,
)
from opora.errors import AnalyticsError, ConfigError, InsufficientDataError
from opora.identify import IdentificationResult, ModelSummary, compare_with_official, identify
from opora.indices import context_index, results_index
from opora.regression import OLSFit, diagnostics, fit_ols
from opora.risk_factors import RISK_FACTORS, RiskFlag, risk_flags
from opora.shrinkage import shrink_residuals
from opora.standardize import standardize

__all__ = [
    "RISK_FACTORS",
    "AnalyticsError",
    "Category",
    "CategoryRules",
    "ConfigError",
    "ContextConfig",
    "IdentificationConfig",
    "IdentificationResult",
    "InsufficientDataError",
    "ModelSummary",
    "OLSFit",
    "Reason",
    "RegressionConfig",
    "ResultsIndexConfig",
    "RiskFlag",
    "aggregate_students",
    "compare_with_official",
    "context_index",
    "diagnostics",
    "fit_ols",
    "identify",
    "load_config",
    "results_index",
    "risk_flags",
    "shrink_residuals",
    "standardize",
]
