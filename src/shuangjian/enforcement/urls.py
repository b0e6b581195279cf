app_name = "enforcement"

# Pages register here as the enforcement modules land (plans, inspections, notices, cases, exposure).
urlpatterns: list = []
