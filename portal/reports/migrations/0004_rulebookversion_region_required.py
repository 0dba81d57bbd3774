import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0003_rulebookversion_region_data'),
        ('schools', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='rulebookversion',
            name='region',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='schools.region', verbose_name='регион'),
        ),
    ]
