"""The names of the model's levers: the one list of them (it imports nothing, so that the command line can
show it in its help without loading the data stack).

Each lever's module describes the lever (:data:`gpec.models.registry.REGISTRY`, which follows this order; a
test checks that the two agree). These names are the vocabulary of ``levers.csv``, of the ``lever`` columns of
``parameters.csv`` and ``pathways.csv``, of ``--lever-off``, scenario files and sweep specs, and of the
independent check, none of which imports the models; :mod:`gpec.schema` re-exports them.
"""

#: The levers a row of ``pathways.csv`` can belong to (:mod:`gpec.models.pathways` builds them).
PATHWAY_LEVERS = ("promotion", "vae", "reconversion", "immersion", "social")
#: Every lever of the model, in the column order of the model.
LEVERS = ("training", "apprenticeship", "qvct", "vehicles", "pools", *PATHWAY_LEVERS)
