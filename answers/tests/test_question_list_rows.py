"""The review queues' list writes its rows more cheaply than the stock admin
(answers.admin.common.QuickRowsAdmin) and pages 50 at a time: what a reviewer
sees and submits must be what the stock admin wrote."""

from django.contrib import admin
from django.contrib.admin import ModelAdmin
from django.contrib.admin.utils import quote
from django.urls import reverse

from answers import services
from answers.models import Question
from devdata.personas import PersonasTestCase, draft, edit, make_condition, publish


class QuestionListRowsTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        cls.question = draft(cls.writer, cls.condition)
        cls.question.text = "Is <b>\"it\"</b> & 'catching'?"
        cls.question.save()
        publish(cls.question, writer=cls.writer, reviewer=cls.reviewer)
        edit(cls.question, cls.writer, body=cls.question.body + "\n\nMore words.")
        services.submit_for_review(item=cls.question, user=cls.writer)

    def model_admin(self):
        return admin.site._registry[Question]

    def test_it_writes_the_same_checkbox_as_djangos_widget(self) -> None:
        question = Question.objects.get(pk=self.question.pk)
        ours = self.model_admin().action_checkbox(question)
        stock = ModelAdmin.action_checkbox(self.model_admin(), question)
        self.assertEqual(str(ours), str(stock))
        self.assertIn("&lt;b&gt;&quot;it&quot;&lt;/b&gt; &amp; &#x27;", str(ours))

    def test_each_row_links_to_its_own_change_page(self) -> None:
        self.client.force_login(self.reviewer)
        response = self.client.get(
            reverse("admin:answers_question_changelist") + "?queue=mine"
        )
        self.assertEqual(response.status_code, 200)
        cl = response.context["cl"]
        self.assertIn(self.question, list(cl.result_list))
        url = reverse("admin:answers_question_change", args=[quote(self.question.pk)])
        self.assertEqual(cl.url_for_result(self.question), url)
        self.assertContains(response, f'href="{url}?_changelist_filters=queue%3Dmine"')
        self.assertContains(
            response, f'name="_selected_action" value="{self.question.pk}"'
        )
