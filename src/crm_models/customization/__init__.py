"""Customization trade-offs: how far to customize, in which way, and what it is worth.

- ``configurations``: modules → configurations (counts, forbidden combinations, seed examples);
- ``costs``: the cost of variety (fixed per module, complexity, make-to-stock vs postponed);
- ``choice``: heterogeneous customers choosing by logit (menus and a configurator nest);
- ``conjoint_design``: choice-based conjoint design, simulated answers, your own answers;
- ``conjoint``: conditional-logit part-worths and WTP (``ConjointResult``, ``WTPResult``);
- ``kano``: Kano classes, better/worse coefficients, the seed's customer phrasing;
- ``faces``: Gilmore & Pine's four faces as parameter sets of one profit model
  (``face_model``: the representative-customer model and the seed's table labels);
- ``optimize``: the profit-maximizing variety, customization type and premium
  (``VarietyOptimizer`` → ``VarietyResult``);
- ``sensitivity``: tornado, one-input sweeps, profit by attribute;
- ``profit_interval``: bootstrap interval of the optimal profit and gain;
- ``selection``: which customers get customized offers;
- ``face_comparison``: the seed's four-faces table from the market model;
- ``narrative``: the report's sentences.
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
from crm_models.customization.conjoint import ConjointModel, ConjointResult
from crm_models.customization.conjoint_design import (
    attributes_from_products,
    design_choice_experiment,
    read_answers,
    simulate_answers,
)
from crm_models.customization.costs import VarietyCosts
from crm_models.customization.face_comparison import faces_numbers
from crm_models.customization.face_model import FaceProfitModel, label_table
from crm_models.customization.faces import FACES, SEED_TABLE, Face, FaceEconomics
from crm_models.customization.kano import (
    EVALUATION_TABLE,
    SEED_MAPPING,
    KanoSurvey,
    classify_pairs,
    simulate_kano_answers,
)
from crm_models.customization.optimize import VarietyOptimizer, VarietyResult
from crm_models.customization.profit_interval import ProfitInterval, profit_interval
from crm_models.customization.selection import (
    OFFER_CHANNELS,
    cell_actions,
    customer_increment,
    customized_offer_list,
    fixed_cost_hurdle,
    selection_table,
    value_needs_cells,
)
from crm_models.customization.sensitivity import (
    DEFAULT_TORNADO_INPUTS,
    INPUT_LABELS,
    face_sweep,
    profit_by_attribute,
    tornado,
)
from crm_models.customization.wtp import WTPResult

__all__ = [
    "DEFAULT_TORNADO_INPUTS",
    "EVALUATION_TABLE",
    "FACES",
    "INPUT_LABELS",
    "OFFER_CHANNELS",
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
    "ProfitInterval",
    "VarietyCosts",
    "VarietyOptimizer",
    "VarietyResult",
    "WTPResult",
    "attributes_from_products",
    "cell_actions",
    "classify_pairs",
    "count_configurations",
    "count_modules",
    "credit_card_example",
    "customer_increment",
    "customized_offer_list",
    "design_choice_experiment",
    "face_sweep",
    "faces_numbers",
    "fixed_cost_hurdle",
    "from_products",
    "label_table",
    "logit_probabilities",
    "profit_by_attribute",
    "profit_interval",
    "read_answers",
    "selection_table",
    "simulate_answers",
    "simulate_kano_answers",
    "tornado",
    "value_needs_cells",
    "window_example",
]
