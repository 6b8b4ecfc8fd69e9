"""HPO's synonyms keep the kind hp.obo gives them: an exact lay synonym is a
lay term, a related one is only related (read from the packaged hp.obo)."""

from django.test import SimpleTestCase

from answers.models import NameKind
from devdata.terminology import release_data


class HpoSynonymKindTests(SimpleTestCase):
    def test_only_exact_lay_synonyms_are_lay_terms(self):
        ptosis = next(
            concept
            for concept in release_data("hpo").concepts
            if concept.code == "HP:0000508"
        )
        kinds = dict(ptosis.names)
        self.assertEqual(kinds["Drooping upper eyelid"], NameKind.LAY)
        self.assertEqual(kinds["Eye drop"], NameKind.RELATED)
        self.assertEqual(kinds["Blepharoptosis"], NameKind.EXACT)
