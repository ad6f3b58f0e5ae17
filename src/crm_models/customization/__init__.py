"""Customization trade-offs: how far to customize, in which way, and what it is worth.

- ``configurations``: modules → configurations (counts, forbidden combinations, seed examples);
- ``costs``: the cost of variety (fixed per module, complexity, make-to-stock vs postponed);
- ``choice``: heterogeneous customers choosing by logit (menus and a configurator nest);
- ``conjoint``: choice-based conjoint design, simulation, conditional logit, WTP;
- ``kano``: Kano classes, better/worse coefficients, the seed's customer phrasing;
- ``faces``: Gilmore & Pine's four faces as parameter sets of one profit model;
- ``optimize``: profit-maximizing variety, customization type and premium; sensitivity.
"""

from crm_models.customization.choice import ChoiceMarket, logit_probabilities
from crm_models.customization.configurations import (
    ProductSpace,
    count_configurations,
    count_modules,
    credit_card_example,
    from_products,
    window_example,
)
from crm_models.customization.conjoint import (
    ConjointModel,
    ConjointResult,
    attributes_from_products,
    design_choice_experiment,
    read_answers,
    simulate_answers,
)
from crm_models.customization.costs import VarietyCosts
from crm_models.customization.faces import (
    FACES,
    SEED_TABLE,
    Face,
    FaceEconomics,
    FaceProfitModel,
    label_table,
)
from crm_models.customization.kano import (
    EVALUATION_TABLE,
    SEED_MAPPING,
    KanoSurvey,
    classify_pairs,
    simulate_kano_answers,
)
from crm_models.customization.optimize import DEFAULT_TORNADO_INPUTS, VarietyOptimizer

__all__ = [
    "DEFAULT_TORNADO_INPUTS",
    "EVALUATION_TABLE",
    "FACES",
    "SEED_MAPPING",
    "SEED_TABLE",
    "ChoiceMarket",
    "ConjointModel",
    "ConjointResult",
    "Face",
    "FaceEconomics",
    "FaceProfitModel",
    "KanoSurvey",
    "ProductSpace",
    "VarietyCosts",
    "VarietyOptimizer",
    "attributes_from_products",
    "classify_pairs",
    "count_configurations",
    "count_modules",
    "credit_card_example",
    "design_choice_experiment",
    "from_products",
    "label_table",
    "logit_probabilities",
    "read_answers",
    "simulate_answers",
    "simulate_kano_answers",
    "window_example",
]
